import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { NodeHttpServer } from "@effect/platform-node"
import { docsCdn, layerRoutes, layerServices, type ServicesOptions, TrustForwardedFor } from "@ventureos/api"
import { layerProviderConfig } from "@ventureos/api/aws"
import { Api } from "@ventureos/api-contract"
import { ServingStore } from "@ventureos/storage/serving"
import { Context, Effect, Exit, Layer, Option, Scope } from "effect"
import { HttpRouter } from "effect/http"
import { HttpApiScalar } from "effect/http-api"
import { type Args, flagString, parseArgs, UsageError } from "./Args"
import { servingLayer } from "./Layers"

/** Options of {@link serve}. */
export interface ServeOptions {
  /** 0 picks a free port. */
  readonly port: number
  /** Default 127.0.0.1. */
  readonly host?: string
  /** The serving store to read (e.g. `layerMemory()`, `ServingStoreDynamo.layerLocal()`). */
  readonly layer: Layer.Layer<ServingStore, unknown>
  /** Summary loop pieces (provider, lease, rate limiter, budgets); local defaults otherwise. */
  readonly services?: ServicesOptions
  /** Human docs at `/docs`: the Scalar bundle shipped with effect (default, works offline), its CDN, or none. */
  readonly docs?: "bundled" | "cdn" | "none"
  /** Take the client address from `X-Forwarded-For` (behind a proxy). Default false. */
  readonly trustForwardedFor?: boolean
  /** Log each request (default false). */
  readonly logRequests?: boolean
}

/** A running server. */
export interface RunningServer {
  /** `http://host:port`. */
  readonly url: string
  readonly port: number
  /** Stop accepting requests, interrupt background summaries, release the store. */
  readonly close: () => Promise<void>
}

/**
 * Serve the VentureOS API over any ServingStore layer with Node's HTTP server.
 *
 * ```ts
 * import { layerMemory } from "@ventureos/storage/serving"
 * const server = await serve({ port: 0, layer: layerMemory() })
 * await fetch(`${server.url}/api/company/tesla`)
 * await server.close()
 * ```
 */
export const serve = async (options: ServeOptions): Promise<RunningServer> => {
  const host = options.host ?? "127.0.0.1"
  let address: AddressInfo | undefined
  const app = HttpRouter.serve(
    layerRoutes(
      options.docs === "none"
        ? {}
        : { docs: options.docs === "cdn" ? docsCdn() : HttpApiScalar.layer(Api, { path: "/docs" }) }
    ),
    {
      disableListenLog: true,
      disableLogger: options.logRequests !== true
    }
  ).pipe(
    Layer.provide(layerServices(options.services)),
    Layer.provide(Layer.succeed(TrustForwardedFor, options.trustForwardedFor ?? false)),
    Layer.provide(options.layer),
    Layer.provide(
      NodeHttpServer.layer(
        () => {
          const server = createServer()
          server.once("listening", () => {
            address = server.address() as AddressInfo
          })
          return server
        },
        { port: options.port, host }
      )
    )
  )
  const scope = Effect.runSync(Scope.make())
  const exit = await Effect.runPromiseExit(Layer.buildWithScope(app, scope))
  if (Exit.isFailure(exit)) {
    await Effect.runPromise(Scope.close(scope, exit))
    throw new Error(`cannot start the API server: ${String(Exit.isFailure(exit) ? exit.cause : "")}`)
  }
  if (address === undefined) throw new Error("the API server did not report its address")
  const port = address.port
  const shownHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host
  let closed: Promise<void> | undefined
  return {
    url: `http://${shownHost}:${port}`,
    port,
    close: () => {
      closed ??= Effect.runPromise(Scope.close(scope, Exit.void))
      return closed
    }
  }
}

/** Example URLs from what the store holds: a company, a city, a state, a brand config. */
export const exampleUrls = (url: string) =>
  Effect.gen(function* () {
    const store = yield* ServingStore
    const out: Array<string> = [`${url}/docs`, `${url}/openapi.json`]
    const top = yield* store.getTopList("national", "count")
    const first = Option.getOrUndefined(top)?.entries[0]
    if (first !== undefined) {
      const slug = first.entity_key.slice("COMPANY#".length)
      out.push(`${url}/api/company/${slug}`)
      const feed = yield* store.getFeed(first.entity_key)
      const item = feed[0]
      if (item?.city_slug != null) out.push(`${url}/api/city/${item.city_slug}`)
      if (item?.state != null) out.push(`${url}/api/state/${item.state.toLowerCase()}`)
      if (item !== undefined)
        out.push(
          `${url}/api/violations/${encodeURIComponent(item.violation_id)}?entity=${encodeURIComponent(item.entity_key)}`
        )
    }
    out.push(`${url}/api/top?scope=national&by=penalties`)
    const brands = yield* store.listBrands
    if (brands[0] !== undefined) out.push(`${url}/api/config/${brands[0].id}`)
    return out
  })

const USAGE = `usage: ventureos serve [--port 8787] [--host 127.0.0.1]

Serve the API v2 over the serving store (AWS_ENDPOINT_URL_DYNAMODB when set, else the embedded store under
$VENTUREOS_HOME), with /openapi.json and /docs. Summaries: VENTUREOS_SUMMARY_PROVIDER=extractive (default)
| bedrock | openai.`

/** `ventureos serve [--port 8787] [--host h]`: runs until SIGINT/SIGTERM; returns the exit code. */
export const serveCommand = async (argv: ReadonlyArray<string> | Args): Promise<number> => {
  const args = Array.isArray(argv) ? parseArgs(argv as ReadonlyArray<string>) : (argv as Args)
  if (args.flags.has("help")) {
    process.stderr.write(`${USAGE}\n`)
    return 0
  }
  const portFlag = flagString(args, "port") ?? process.env.PORT ?? "8787"
  const port = Number(portFlag)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0..65535, got ${portFlag}`)
  const host = flagString(args, "host") ?? "127.0.0.1"
  // One store for the server and for printing examples: build it once, share it.
  const storeScope = Effect.runSync(Scope.make())
  const storeContext = await Effect.runPromise(Layer.buildWithScope(servingLayer(), storeScope))
  const store = Layer.succeedContext(storeContext)
  const server = await serve({ port, host, layer: store, services: { provider: layerProviderConfig } })
  const urls = await Effect.runPromise(
    exampleUrls(server.url).pipe(Effect.provideService(ServingStore, Context.get(storeContext, ServingStore)))
  )
  process.stderr.write(
    `VentureOS API listening on ${server.url}\nTry:\n${urls.map((u) => `  ${u}`).join("\n")}\n`
  )
  process.stdout.write(`${JSON.stringify({ url: server.url, examples: urls })}\n`)
  await new Promise<void>((done) => {
    const stop = () => done()
    process.once("SIGINT", stop)
    process.once("SIGTERM", stop)
  })
  await server.close()
  await Effect.runPromise(Scope.close(storeScope, Exit.void))
  return 0
}
