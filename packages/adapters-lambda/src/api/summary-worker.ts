/**
 * Lambda entry `summary-worker`: generates one summary per asynchronous invocation (`{ summaryJob }`, sent
 * by the trigger). At most one generation per violation (DynamoDB lease); a failure is logged and the
 * invocation succeeds (Lambda's async retries would only repeat a model call the next trigger can redo).
 */
import { Summarizer } from "@ventureos/api"
import { Effect, Layer, ManagedRuntime, Schema } from "effect"
import { servingStoreLive } from "./Layers"
import { SummaryWorkerEvent, summarizerLive } from "./WorkerLayers"

/** Build a worker over any layers (tests use the memory store). */
export const makeSummaryWorker = (layer: Layer.Layer<Summarizer, unknown>) => {
  const runtime = ManagedRuntime.make(layer)
  const decode = Schema.decodeUnknownEffect(SummaryWorkerEvent)
  return (event: unknown) =>
    runtime.runPromise(
      Effect.gen(function* () {
        const { summaryJob } = yield* decode(event)
        return yield* (yield* Summarizer).generate(summaryJob)
      }).pipe(
        Effect.catchCause((cause) =>
          Effect.as(Effect.logError("summary worker failed", cause), { outcome: "failed" as const })
        )
      )
    )
}

export const handler = makeSummaryWorker(summarizerLive.pipe(Layer.provideMerge(servingStoreLive)))
