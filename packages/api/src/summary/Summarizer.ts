import type { FeedItem } from "@ventureos/serving"
import { ServingStore, type ServingStoreError } from "@ventureos/serving"
import { Clock, Context, DateTime, Duration, Effect, Layer, Option } from "effect"
import { placements } from "../Views"
import { ViolationLocator } from "../ViolationLocator"
import { extractiveSummary } from "./Extractive"
import { GenerationLog, type GenerationRecord } from "./GenerationLog"
import { checkSummary } from "./Grounding"
import { SummaryLease } from "./Lease"
import { buildPrompt } from "./Prompt"
import { SummaryProvider } from "./Provider"

/** A background job: summarize this violation (re-read from the store: job payloads are not trusted). */
export interface SummaryJob {
  readonly violation_id: string
  readonly entity_key: string
  /** The lease the trigger took for this job (the worker continues it); absent: the worker takes its own. */
  readonly lease_owner?: string
}

/** A fresh lease owner id (process and random part). */
export const leaseOwner = (): string => `${process.pid}-${Math.random().toString(36).slice(2)}`

/** Default lease TTL: longer than a generation can take. */
export const DEFAULT_LEASE_MILLIS = 120_000

/** Options of the generation loop. */
export interface SummarizerOptions {
  /** Lease TTL: longer than a generation can take (default 2 minutes). */
  readonly leaseMillis?: number
  /** Provider call timeout (default 45 s). */
  readonly timeoutMillis?: number
}

/**
 * Generates one summary: lease, prompt, provider, validation, store, log. Runs in the background (a forked
 * fiber in the Node server, the summary worker Lambda on AWS).
 */
export class Summarizer extends Context.Service<
  Summarizer,
  { readonly generate: (job: SummaryJob) => Effect.Effect<GenerationRecord, ServingStoreError> }
>()("@ventureos/api/Summarizer") {
  static readonly layer = (options: SummarizerOptions = {}) =>
    Layer.effect(
      Summarizer,
      Effect.gen(function* () {
        const store = yield* ServingStore
        const locator = yield* ViolationLocator
        const lease = yield* SummaryLease
        const provider = yield* SummaryProvider
        const log = yield* GenerationLog
        const leaseMillis = options.leaseMillis ?? DEFAULT_LEASE_MILLIS
        const timeout = Duration.millis(options.timeoutMillis ?? 45_000)

        const skipped = (violation_id: string, outcome: GenerationRecord["outcome"]): GenerationRecord => ({
          violation_id,
          provider: provider.name,
          model: provider.model,
          outcome,
          input_tokens: null,
          output_tokens: null,
          latency_ms: 0
        })

        const run = (item: FeedItem) =>
          Effect.gen(function* () {
            const started = yield* Clock.currentTimeMillis
            const completion = yield* provider.complete({ record: item, prompt: buildPrompt(item) }).pipe(
              Effect.timeoutOrElse({
                duration: timeout,
                orElse: () => Effect.fail({ _tag: "Timeout" as const })
              }),
              Effect.result
            )
            const latency = (yield* Clock.currentTimeMillis) - started
            const base = { violation_id: item.violation_id, provider: provider.name, latency_ms: latency }
            if (completion._tag === "Failure") {
              const e = completion.failure
              return {
                ...base,
                model: provider.model,
                outcome: "failed",
                input_tokens: null,
                output_tokens: null,
                detail: "_tag" in e && e._tag === "Timeout" ? "timeout" : String((e as Error).message)
              } satisfies GenerationRecord
            }
            const c = completion.success
            const checked = checkSummary(c.text, item)
            const text = checked.ok ? checked.text : extractiveSummary(item)
            const model = checked.ok ? c.model : "extractive"
            yield* store.putSummary(
              {
                violation_id: item.violation_id,
                content_hash: item.content_hash,
                text,
                model,
                generated_at: DateTime.formatIso(DateTime.makeUnsafe(yield* Clock.currentTimeMillis)) as never
              },
              { entityKeys: placements(item) }
            )
            return {
              ...base,
              model: c.model,
              outcome: checked.ok ? "stored" : "fallback",
              input_tokens: c.inputTokens,
              output_tokens: c.outputTokens,
              ...(checked.ok ? {} : { detail: `output rejected: ${checked.reason}` })
            } satisfies GenerationRecord
          })

        const generate = (job: SummaryJob) =>
          Effect.gen(function* () {
            const found = yield* locator.find(job.violation_id, job.entity_key)
            if (Option.isNone(found)) return skipped(job.violation_id, "skipped-gone")
            const item = found.value
            const existing = yield* store.getSummary(item.violation_id)
            if (Option.isSome(existing) && existing.value.content_hash === item.content_hash)
              return skipped(item.violation_id, "skipped-exists")
            const owner = job.lease_owner ?? leaseOwner()
            if (!(yield* lease.acquire(item.violation_id, owner, leaseMillis)))
              return skipped(item.violation_id, "skipped-leased")
            return yield* run(item).pipe(
              Effect.ensuring(Effect.ignore(lease.release(item.violation_id, owner)))
            )
          }).pipe(
            Effect.tap((r) => log.record(r)),
            Effect.withSpan("Summarizer.generate", { attributes: { violation_id: job.violation_id } })
          )
        return Summarizer.of({ generate })
      })
    )
}
