/**
 * `@ventureos/adapters-node`: the `ventureos` CLI and the Node HTTP server, as a library.
 *
 * ```ts
 * import { runCli, serve } from "@ventureos/adapters-node"
 * import { layerMemory } from "@ventureos/serving"
 *
 * // the CLI in-process: human output on stderr, a JSON summary as the last stdout line
 * const code = await runCli(["normalize", "osha_inspection.csv", "osha_violation.csv"])
 *
 * // the API v2 over any ServingStore layer
 * const server = await serve({ port: 0, layer: layerMemory() })
 * console.error(`${server.url}/docs`)
 * await server.close()
 * ```
 */
export { runCli } from "./Cli"
export type { IngestSummary } from "./commands/Ingest"
export { lakeLayer, paths, servingLayer, ventureosHome } from "./Layers"
export { defaultRegistry } from "./Registry"
export { samplePaths, samplesDir } from "./Samples"
export { exampleUrls, type RunningServer, type ServeOptions, serve, serveCommand } from "./Serve"
