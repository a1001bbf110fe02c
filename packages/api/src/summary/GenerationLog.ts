import { Context, Effect, Layer } from "effect"

/** One generation attempt, as logged. */
export interface GenerationRecord {
  readonly violation_id: string
  readonly provider: string
  readonly model: string
  /** `stored`: summary written; `fallback`: the model's output failed validation, the extractive one was stored. */
  readonly outcome: "stored" | "fallback" | "failed" | "skipped-exists" | "skipped-leased" | "skipped-gone"
  readonly input_tokens: number | null
  readonly output_tokens: number | null
  readonly latency_ms: number
  readonly detail?: string
}

/** Where generation records go: every generation is logged with tokens and latency. */
export class GenerationLog extends Context.Service<
  GenerationLog,
  { readonly record: (entry: GenerationRecord) => Effect.Effect<void> }
>()("@ventureos/api/GenerationLog") {
  /** Structured log lines (`summary.generation`) through the effect logger. */
  static readonly layerLogger = Layer.succeed(
    GenerationLog,
    GenerationLog.of({
      record: (entry) => Effect.logInfo("summary.generation").pipe(Effect.annotateLogs({ ...entry }))
    })
  )
  /** Collect records in an array (tests, benches) and log them. */
  static readonly layerCollect = (into: Array<GenerationRecord>) =>
    Layer.succeed(
      GenerationLog,
      GenerationLog.of({ record: (entry) => Effect.sync(() => void into.push(entry)) })
    )
}
