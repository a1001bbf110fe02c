import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { type AddressInfo, connect } from "node:net"
import { join, resolve } from "node:path"
import { Config, Effect, Layer, Option, Schedule } from "effect"
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

/** What the process running a home's embedded server publishes for the others: `<home>/dynamodb.endpoint.json`. */
export interface SharedEndpoint {
  readonly endpoint: string
  readonly pid: number
  readonly started_at: string
}

/** Where a home's running embedded server is published. */
export const endpointFile = (home: string): string => join(resolve(home), "dynamodb.endpoint.json")

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

const accepts = (endpoint: string, timeoutMs = 1_000): Promise<boolean> =>
  new Promise((done) => {
    const url = new URL(endpoint)
    const socket = connect({ host: url.hostname, port: Number(url.port) })
    const finish = (ok: boolean) => {
      socket.destroy()
      done(ok)
    }
    socket.setTimeout(timeoutMs, () => finish(false))
    socket.once("connect", () => finish(true))
    socket.once("error", () => finish(false))
  })

/**
 * The embedded server another live process of this home publishes, if any. A file left by a process that
 * died (kill -9) is ignored: its pid is gone or its port no longer answers.
 */
export const sharedEndpoint = (home: string): Effect.Effect<Option.Option<SharedEndpoint>> =>
  Effect.promise(async () => {
    let shared: SharedEndpoint
    try {
      shared = JSON.parse(readFileSync(endpointFile(home), "utf8")) as SharedEndpoint
    } catch {
      return Option.none()
    }
    if (typeof shared.endpoint !== "string" || !Number.isInteger(shared.pid)) return Option.none()
    if (shared.pid !== process.pid && !alive(shared.pid)) return Option.none()
    return (await accepts(shared.endpoint)) ? Option.some(shared) : Option.none()
  })

/** Publish this process's embedded server for the home (atomically); withdrawn when the scope closes. */
const publish = (home: string, endpoint: string) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const file = endpointFile(home)
      const tmp = `${file}.${process.pid}.tmp`
      const shared: SharedEndpoint = { endpoint, pid: process.pid, started_at: new Date().toISOString() }
      writeFileSync(tmp, `${JSON.stringify(shared)}\n`)
      renameSync(tmp, file)
    }),
    () =>
      Effect.sync(() => {
        const file = endpointFile(home)
        try {
          const current = JSON.parse(readFileSync(file, "utf8")) as SharedEndpoint
          if (current.pid === process.pid && current.endpoint === endpoint) rmSync(file, { force: true })
        } catch {
          // already gone
        }
      })
  )

/**
 * The endpoint of the home's embedded DynamoDB: the one a live process already runs (so `serve`, `ingest`
 * and `serving …` can run at the same time: dynalite's LevelDB is opened by one process only), else a
 * server started here, persisted under `<home>/dynamodb` and published in `<home>/dynamodb.endpoint.json`
 * until the scope closes. Two processes starting at once: the loser of the LevelDB lock waits for the
 * winner's endpoint.
 */
export const homeEndpoint = (home: string) =>
  Effect.gen(function* () {
    const existing = yield* sharedEndpoint(home)
    if (Option.isSome(existing)) return existing.value.endpoint
    const started = yield* startDynalite({ path: join(resolve(home), "dynamodb") }).pipe(
      Effect.tap((server) => publish(home, server.endpoint)),
      Effect.map((server) => server.endpoint),
      Effect.catch((error) =>
        sharedEndpoint(home).pipe(
          Effect.flatMap((o) => (Option.isSome(o) ? Effect.succeed(o.value.endpoint) : Effect.fail(error))),
          Effect.retry({ schedule: Schedule.spaced("200 millis"), times: 15 })
        )
      )
    )
    return started
  })

/**
 * ServingStore over an embedded dynalite server, shared with other processes of the same home (see
 * {@link homeEndpoint}); tables are created on start. `inMemory` starts a private in-memory server.
 */
export const layerEmbedded = (options: EmbeddedOptions = {}): Layer.Layer<ServingStore, ServingStoreError> =>
  Layer.unwrap(
    Effect.gen(function* () {
      const { home, inMemory, ...rest } = options
      const endpoint =
        inMemory === true ? (yield* startDynalite({})).endpoint : yield* homeEndpoint(home ?? ".ventureos")
      return layer({
        region: "us-east-1",
        setup: true,
        ...rest,
        endpoint,
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
