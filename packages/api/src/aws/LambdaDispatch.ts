import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda"
import { Config, Effect, Layer } from "effect"
import { SummaryDispatch } from "../summary/Dispatch"

/**
 * Dispatch summary jobs to the summary worker Lambda with an asynchronous invocation (`InvocationType:
 * Event`): the trigger's 202 returns as soon as Lambda has queued the event; Lambda retries failed
 * invocations itself. The function comes from `VENTUREOS_SUMMARY_WORKER_FUNCTION`.
 */
export const layerLambdaDispatch = (
  options: { readonly functionName?: string; readonly client?: LambdaClient } = {}
) =>
  Layer.effect(
    SummaryDispatch,
    Effect.gen(function* () {
      const functionName = options.functionName ?? (yield* Config.String("VENTUREOS_SUMMARY_WORKER_FUNCTION"))
      const client =
        options.client ??
        (yield* Effect.acquireRelease(
          Effect.sync(() => new LambdaClient({})),
          (c) => Effect.sync(() => c.destroy())
        ))
      return SummaryDispatch.of({
        dispatch: (job) =>
          Effect.tryPromise((abortSignal) =>
            client.send(
              new InvokeCommand({
                FunctionName: functionName,
                InvocationType: "Event",
                Payload: new TextEncoder().encode(JSON.stringify({ summaryJob: job }))
              }),
              { abortSignal }
            )
          ).pipe(
            Effect.asVoid,
            // The trigger already answered for the budget; a lost dispatch is retried by the next trigger.
            Effect.catchCause((cause) => Effect.logWarning("summary.dispatch failed", cause))
          )
      })
    })
  )
