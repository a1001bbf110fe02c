import type { Server } from "node:http"
import type { BatchResult } from "@ventureos/pipeline"
import { ManagedRuntime } from "effect"
import { ingestFixtures, lakeLayer } from "./Lake"
import { listen, makeServer } from "./Server"

/** A running service: its URL, what the start-up ingest did, and how to stop it. */
export interface RunningService {
  readonly url: string
  readonly server: Server
  readonly ingested: ReadonlyArray<BatchResult>
  readonly close: () => Promise<void>
}

/**
 * Start the service: open the lake under `home`, ingest the bundled rows (a no-op when already done),
 * then answer HTTP. The runtime keeps one DuckDB open for the life of the server.
 */
export const start = async (options: {
  readonly home: string
  readonly port: number
}): Promise<RunningService> => {
  const runtime = ManagedRuntime.make(lakeLayer(options.home))
  try {
    const ingested = await runtime.runPromise(ingestFixtures)
    const server = makeServer(runtime)
    const url = await listen(server, options.port)
    const close = async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await runtime.dispose()
    }
    return { url, server, ingested, close }
  } catch (e) {
    await runtime.dispose()
    throw e
  }
}
