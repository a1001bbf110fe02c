import { TrustForwardedFor } from "@ventureos/api"
import { Effect, Layer, Schema } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import {
  ApiGatewayV2Event,
  type ApiGatewayV2Result,
  type ApiGatewayV2Event as Event,
  toRequest,
  toResult
} from "./ApiGateway"

const badEvent = (detail: string): ApiGatewayV2Result => ({
  statusCode: 400,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({
    _tag: "InvalidRequestError",
    field: "event",
    value: "",
    reason: detail.slice(0, 500)
  }),
  isBase64Encoded: false
})

const decodeEvent = Schema.decodeUnknownEffect(ApiGatewayV2Event)

/**
 * A Lambda handler for API Gateway HTTP API v2 / Function URL events serving `routes`. The app is built once
 * per container, on the first event (cold start), and reused.
 *
 * @param routes router routes, e.g. `layerCompanyRoutes` from `@ventureos/api`
 * @param services what the routes need (the serving store, and the summary services for violations)
 */
export const makeApiHandler = <A, E1, R1, E2>(
  routes: Layer.Layer<never, E1, R1>,
  services: Layer.Layer<A, E2>
) => {
  let web: ReturnType<typeof HttpRouter.toWebHandler> | undefined
  const app = () => {
    web ??= HttpRouter.toWebHandler(
      routes.pipe(
        // The routes' requirements are checked where each entry point pairs routes with services (tests
        // build every entry's app); the router's request-scoped types are too deep to restate here.
        Layer.provide(services as unknown as Layer.Layer<never>),
        Layer.provide(Layer.succeed(TrustForwardedFor, true)),
        Layer.provide(HttpServer.layerServices)
      ) as never,
      { disableLogger: true }
    )
    return web
  }
  const handler = async (event: unknown): Promise<ApiGatewayV2Result> => {
    const decoded = await Effect.runPromise(Effect.result(decodeEvent(event)))
    if (decoded._tag === "Failure") return badEvent(`not an HTTP API v2 event: ${decoded.failure.message}`)
    const e: Event = decoded.success
    const response = await (app().handler as (r: Request) => Promise<Response>)(toRequest(e))
    return toResult(response)
  }
  return Object.assign(handler, { dispose: () => web?.dispose() ?? Promise.resolve() })
}
