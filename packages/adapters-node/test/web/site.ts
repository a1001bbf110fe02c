/**
 * The server side of the dashboards' browser tests (packages/web/test), kept here because it needs the
 * adapter's dependencies (effect, the API, the serving store) that the web package does not have.
 */
import { GenerationLog } from "@ventureos/api"
import { RateLimitedError, UnavailableError } from "@ventureos/api-contract"
import type { Violation } from "@ventureos/core"
import { ServingStore } from "@ventureos/serving"
import { ServingStoreDynamo, startDynalite } from "@ventureos/serving/dynamodb"
import { Context, Effect, Exit, Layer, Schema, Scope } from "effect"
import { type RunningServer, serve } from "../../src/Serve"

/** A running `serve()` over an in-memory dynalite and a dashboard build. */
export interface SiteServer {
  readonly server: RunningServer
  /** The dynalite endpoint, for other processes (`AWS_ENDPOINT_URL_DYNAMODB`). */
  readonly endpoint: string
  /** Put violations into the live feed through the store's write path (records the samples lack). */
  readonly applyFeed: (violations: ReadonlyArray<Violation>) => Promise<void>
  readonly close: () => Promise<void>
}

/**
 * Start an in-memory dynalite (tables created), and serve it with the build in `web` on a free port. The
 * store keeps `feedSize` items per entity and agency (writers in other processes must use the same:
 * `VENTUREOS_FEED_SIZE`). Summary budgets are far above what tests spend.
 */
export const startSiteServer = async (web: string, feedSize: number): Promise<SiteServer> => {
  const scope = Effect.runSync(Scope.make())
  const dynalite = await Effect.runPromise(Scope.provide(startDynalite(), scope))
  const context = await Effect.runPromise(
    Layer.buildWithScope(
      ServingStoreDynamo.layer({
        endpoint: dynalite.endpoint,
        region: "us-east-1",
        credentials: ServingStoreDynamo.LOCAL_CREDENTIALS,
        feedSize,
        setup: true
      }),
      scope
    )
  )
  const store = Context.get(context, ServingStore)
  const server = await serve({
    port: 0,
    layer: Layer.succeedContext(context),
    web,
    docs: "none",
    services: {
      policy: { brandDaily: 100_000, clientDaily: 100_000 },
      // generation records kept in memory: no log lines in the test output
      log: GenerationLog.layerCollect([])
    }
  })
  return {
    server,
    endpoint: dynalite.endpoint,
    applyFeed: async (violations) => {
      await Effect.runPromise(store.applyFeed(violations))
    },
    close: async () => {
      await server.close()
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }
}

/** The JSON body the API sends with a 429 or a 503 (its error schemas, encoded as the server does). */
export const apiErrorBody = (status: 429 | 503): string =>
  JSON.stringify(
    status === 429
      ? Schema.encodeSync(RateLimitedError)(
          new RateLimitedError({ scope: "client", limit: 30, retry_after_seconds: 3600 })
        )
      : Schema.encodeSync(UnavailableError)(
          new UnavailableError({ detail: "the serving store is throttled", retryable: true })
        )
  )
