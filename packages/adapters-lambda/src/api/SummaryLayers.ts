import { layerProviderFromConfig, layerServices } from "@ventureos/api"
import { layerDynamoLease, layerDynamoRateLimiter, layerLambdaDispatch } from "@ventureos/api/aws"
import { Config, Effect, Layer, Option } from "effect"

/**
 * Summary services of the routed API handler: leases and daily budgets in DynamoDB (shared by every Lambda
 * instance); jobs go to the worker named by `VENTUREOS_SUMMARY_WORKER_FUNCTION` (asynchronous invocation).
 * Without a worker (development behind a Function URL) jobs run in-process with a local provider
 * (extractive or OpenAI-compatible): Bedrock runs in the worker, which keeps the SDK out of this bundle.
 */
export const summaryServicesLive = Layer.unwrap(
  Effect.gen(function* () {
    const worker = yield* Config.option(Config.String("VENTUREOS_SUMMARY_WORKER_FUNCTION"))
    return layerServices({
      provider: layerProviderFromConfig(),
      lease: layerDynamoLease(),
      rateLimiter: layerDynamoRateLimiter(),
      ...(Option.isSome(worker) && worker.value !== "" ? { dispatch: layerLambdaDispatch() } : {})
    })
  })
)
