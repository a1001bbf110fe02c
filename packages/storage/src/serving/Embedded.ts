import { mkdirSync } from "node:fs"
import type { AddressInfo } from "node:net"
import { join, resolve } from "node:path"
import { Config, Effect, Layer, Option } from "effect"
import type { ServingStore } from "./ServingStore"
import {
  configuredEndpoint,
  type DynamoOptions,
  LOCAL_CREDENTIALS,
  layer,
  layerConfig
} from "./ServingStoreDynamo"
import { ServingStoreError } from "./ServingStoreError"

/** A running in-process DynamoDB-compatible server. */
export interface EmbeddedServer {
  readonly endpoint: string
  readonly port: number
}

/**
 * Start dynalite in this process (scoped: closed with the scope). `path` persists tables in LevelDB under
 * that directory; without it tables live in memory. Port 0 picks a free port.
 */
export const startDynalite = (options: { readonly path?: string; readonly port?: number } = {}) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        // Only local runs need dynalite (and its native LevelDB binding). A non-literal specifier keeps
        // bundlers (esbuild/tsup) from pulling it into Lambda bundles that import this subpath.
        const specifier = "dynalite"
        const { default: dynalite } = (await import(specifier)) as typeof import("dynalite")
        if (options.path !== undefined) mkdirSync(options.path, { recursive: true })
        const server = dynalite({
          ...(options.path === undefined ? {} : { path: options.path }),
          createTableMs: 0,
          deleteTableMs: 0,
          updateTableMs: 0
        })
        await new Promise<void>((ok, ko) => {
          server.once("error", ko)
          server.listen(options.port ?? 0, "127.0.0.1", () => ok())
        })
        const port = (server.address() as AddressInfo).port
        return { server, endpoint: `http://127.0.0.1:${port}`, port }
      },
      catch: (cause) =>
        new ServingStoreError({
          reason: "Unavailable",
          operation: "startDynalite",
          detail: `cannot start the embedded DynamoDB server${options.path === undefined ? "" : ` at ${options.path} (is another process using it?)`}: ${String(cause)}`,
          cause
        })
    }),
    ({ server }) =>
      Effect.promise(
        () =>
          new Promise<void>((ok) => {
            server.closeAllConnections?.()
            server.close(() => ok())
          })
      )
  ).pipe(Effect.map(({ endpoint, port }): EmbeddedServer => ({ endpoint, port })))

/** Options of {@link layerEmbedded}. */
export interface EmbeddedOptions extends Omit<DynamoOptions, "client" | "endpoint" | "credentials"> {
  /** `$VENTUREOS_HOME`: tables persist under `<home>/dynamodb`. */
  readonly home?: string
  /** Keep tables in memory (tests). */
  readonly inMemory?: boolean
}

/**
 * ServingStore over an embedded dynalite server (started with the layer, stopped with it); tables are
 * created on start.
 */
export const layerEmbedded = (options: EmbeddedOptions = {}): Layer.Layer<ServingStore, ServingStoreError> =>
  Layer.unwrap(
    Effect.gen(function* () {
      const { home, inMemory, ...rest } = options
      const server = yield* startDynalite(
        inMemory === true ? {} : { path: join(resolve(home ?? ".ventureos"), "dynamodb") }
      )
      return layer({
        region: "us-east-1",
        setup: true,
        ...rest,
        endpoint: server.endpoint,
        credentials: LOCAL_CREDENTIALS
      })
    })
  )

/**
 * The local default: the endpoint in `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL` when set (e.g. AWS's
 * DynamoDB Local), otherwise an embedded dynalite persisted under `$VENTUREOS_HOME` (default
 * `./.ventureos`). Tables are created when missing.
 */
export const layerLocal = (overrides: EmbeddedOptions = {}) =>
  Layer.unwrap(
    Effect.gen(function* () {
      const endpoint = yield* configuredEndpoint
      if (endpoint !== undefined) return layerConfig({ setup: true, ...overrides })
      const home = yield* Config.option(Config.String("VENTUREOS_HOME"))
      return layerEmbedded({ home: Option.getOrElse(home, () => ".ventureos"), ...overrides })
    })
  )
