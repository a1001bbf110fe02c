/**
 * `@ventureos/api-contract`: the VentureOS HTTP API v2 definition (effect HttpApi), its response and error
 * schemas. No server or AWS code: front ends and the typed client import it.
 *
 * ```ts
 * import { Api } from "@ventureos/api-contract"
 * import { OpenApi } from "effect/http-api"
 * const spec = OpenApi.fromApi(Api)
 * ```
 */
export * from "./Api"
export * from "./Errors"
export * from "./Ids"
export * from "./Model"
export * from "./Score"
