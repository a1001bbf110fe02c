import { Context, Effect, Layer } from "effect"
import { Summarizer, type SummaryJob } from "./Summarizer"

/**
 * Hands a summary job to the background. The HTTP trigger answers 202 at once; the work happens elsewhere:
 * a forked fiber in a long-running Node server, or an asynchronous invocation of the summary worker Lambda
 * (`@ventureos/api/aws`).
 */
export class SummaryDispatch extends Context.Service<
  SummaryDispatch,
  { readonly dispatch: (job: SummaryJob) => Effect.Effect<void> }
>()("@ventureos/api/SummaryDispatch") {
  /**
   * Run jobs in this process, in fibers owned by the layer's scope (interrupted when the server stops).
   * Failures are logged, never surfaced to the trigger.
   */
  static readonly layerInProcess = Layer.effect(
    SummaryDispatch,
    Effect.gen(function* () {
      const summarizer = yield* Summarizer
      const scope = yield* Effect.scope
      return SummaryDispatch.of({
        dispatch: (job) =>
          summarizer.generate(job).pipe(
            Effect.catchCause((cause) => Effect.logWarning("summary.generation failed", cause)),
            Effect.forkIn(scope),
            Effect.asVoid
          )
      })
    })
  )
}
