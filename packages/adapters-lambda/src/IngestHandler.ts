import type { Registry } from "@ventureos/normalizers"
import { type BatchResult, ingestObject, type Warehouse } from "@ventureos/pipeline"
import type { RawArchive } from "@ventureos/storage/archive"
import { Effect, type Layer, ManagedRuntime, Schema } from "effect"
import { decodeS3Key, S3Event, S3TestEvent, type SqsBatchResponse, SqsEvent } from "./Events"

/** One log line per object, JSON (CloudWatch-friendly). */
const log = (o: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ level: "info", ...o })}\n`)
const logError = (o: Record<string, unknown>) =>
  process.stderr.write(`${JSON.stringify({ level: "error", ...o })}\n`)

export interface IngestHandlerOptions {
  readonly registry: Registry
  /** Everything the ingest needs: the raw archive and the warehouse (plus serving, once wired). */
  readonly layer: Layer.Layer<RawArchive | Warehouse>
}

type Outcome =
  | { readonly ok: true; readonly results: ReadonlyArray<BatchResult> }
  | { readonly ok: false; readonly error: string }

/**
 * The S3-event ingest Lambda (the original `ventureos-parquet-writer`): accepts S3 notifications directly or
 * through SQS. Unusable files are logged and acknowledged (retrying cannot fix them; their reason is in the
 * log); infrastructure failures are retried: thrown for S3 invocations, reported as partial batch failures
 * for SQS. Safe under redelivery: a completed batch is a no-op.
 */
export const makeIngestHandler = (options: IngestHandlerOptions) => {
  const runtime = ManagedRuntime.make(options.layer)
  const processKey = (key: string): Promise<Outcome> =>
    runtime.runPromise(
      ingestObject(key, { registry: options.registry }).pipe(
        Effect.map(({ plan, results }) => {
          if (plan._tag === "ignored") log({ msg: "ignored", key, reason: plan.reason })
          for (const r of results) {
            const { changed: _c, touched: _t, ...summary } = r
            log({ msg: "batch", ...summary })
          }
          return { ok: true, results } as Outcome
        }),
        Effect.catchTags({
          UnusableFileError: (e) => {
            logError({ msg: "unusable file (not retried)", key, error: e.message })
            return Effect.succeed({ ok: true, results: [] } as Outcome)
          },
          IngestInputError: (e) => {
            logError({ msg: "invalid batch (not retried)", key, error: e.message })
            return Effect.succeed({ ok: true, results: [] } as Outcome)
          },
          RawArchiveError: (e) => {
            // A missing object (deleted after its event) or an invalid key cannot succeed on retry.
            if (e.isRetryable || e.reason === "Unknown") return Effect.fail(e)
            logError({ msg: "raw object unavailable (not retried)", key, error: e.message })
            return Effect.succeed({ ok: true, results: [] } as Outcome)
          }
        }),
        Effect.catch((e) => {
          logError({ msg: "ingest failed (will be retried)", key, error: e.message })
          return Effect.succeed({ ok: false, error: e.message } as Outcome)
        })
      )
    )

  const keysOfS3 = (event: unknown): ReadonlyArray<string> | undefined => {
    if (Schema.is(S3TestEvent)(event)) return []
    if (!Schema.is(S3Event)(event)) return undefined
    return event.Records.filter((r) => r.eventName.startsWith("ObjectCreated")).map((r) =>
      decodeS3Key(r.s3.object.key)
    )
  }

  return async (event: unknown): Promise<SqsBatchResponse | { readonly processed: number }> => {
    if (Schema.is(SqsEvent)(event)) {
      const failures: Array<{ itemIdentifier: string }> = []
      for (const m of event.Records) {
        let body: unknown
        try {
          body = JSON.parse(m.body)
        } catch {
          logError({ msg: "SQS message body is not JSON (dropped)", messageId: m.messageId })
          continue
        }
        const keys = keysOfS3(body)
        if (keys === undefined) {
          logError({ msg: "SQS message is not an S3 event (dropped)", messageId: m.messageId })
          continue
        }
        for (const k of keys) {
          const o = await processKey(k)
          if (!o.ok) {
            failures.push({ itemIdentifier: m.messageId })
            break
          }
        }
      }
      return { batchItemFailures: failures }
    }
    const keys = keysOfS3(event)
    if (keys === undefined)
      throw new Error("unsupported event: expected an S3 notification or an SQS event wrapping one")
    for (const k of keys) {
      const o = await processKey(k)
      if (!o.ok) throw new Error(`ingest of ${k} failed: ${o.error}`)
    }
    return { processed: keys.length }
  }
}
