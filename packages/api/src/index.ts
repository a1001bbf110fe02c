/**
 * `@ventureos/api`: the VentureOS API v2 implemented over the serving store, and the lazy AI summary loop.
 *
 * ```ts
 * import { layerRoutes, layerServices } from "@ventureos/api"
 * import { layerMemory } from "@ventureos/serving"
 * const app = layerRoutes().pipe(Layer.provide(layerServices()), Layer.provide(layerMemory()))
 * // serve `app` with HttpRouter.serve (Node) or HttpRouter.toWebHandler (Lambda)
 * ```
 */
export * from "./Handlers"
export * from "./Http"
export * from "./ScoreHandlers"
export * from "./Services"
export * from "./summary/Dispatch"
export * from "./summary/Extractive"
export * from "./summary/GenerationLog"
export * from "./summary/Grounding"
export * from "./summary/Lease"
export * from "./summary/OpenAiCompatible"
export * from "./summary/Prompt"
export * from "./summary/Provider"
export * from "./summary/ProviderConfig"
export * from "./summary/RateLimit"
export * from "./summary/Summarizer"
export * from "./summary/Trigger"
export * from "./Views"
export * from "./ViolationLocator"
