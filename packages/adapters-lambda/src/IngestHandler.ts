import type { Registry } from "@ventureos/normalizers"
import {
  type BatchResult,
  ingestObject,
  pendingServing,
  syncPendingServing,
  type Warehouse
} from "@ventureos/pipeline"
import { ServingStore } from "@ventureos/serving"
import type { RawArchive } from "@ventureos/storage/archive"
import { Cause, Effect, Exit, type Layer, ManagedRuntime, Schema } from "effect"
import {
  decodeS3Key,
  EventBridgeObjectCreated,
  S3Event,
  S3TestEvent,
  type SqsBatchResponse,
  SqsEvent
} from "./Events"

/** One log line per object, JSON (CloudWatch-friendly). */
const log = (o: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ level: "info", ...o })}\n`)
const logError = (o: Record<string, unknown>) =>
  process.stderr.write(`${JSON.stringify({ level: "error", ...o })}\n`)

export interface IngestHandlerOptions {
  readonly registry: Registry
  /** Everything the ingest needs: the raw archive (which also holds the serving outbox) and the warehouse. */
  readonly layer: Layer.Layer<RawArchive | Warehouse>
  /**
   * The serving store (DynamoDB). With it, each event is followed by the serving sync the CLI runs after an
   * ingest: every daily batch's pending serving work in the outbox (this event's and any an earlier
   * invocation left) is finished: feeds, stats, profiles, histories, search, Top-N. Without it the handler
   * fills the lake only and the work stays pending (`ventureos serving sync` finishes it).
   */
  readonly serving?: Layer.Layer<ServingStore, unknown>
}

type Outcome =
  | { readonly ok: true; readonly results: ReadonlyArray<BatchResult> }
  | { readonly ok: false; readonly error: string }

/**
 * The S3-event ingest Lambda (the original `ventureos-parquet-writer`): accepts S3 notifications and S3's
 * EventBridge "Object Created" events, directly or through SQS. After the lake commits it finishes the
 * serving work pending in the outbox (when `serving` is given). Unusable files are logged and acknowledged
 * (retrying cannot fix them; their reason is in the log); infrastructure failures, including a failed
 * serving sync, are retried: thrown for direct invocations, reported as partial batch failures for SQS.
 * Safe under redelivery: a completed batch is a no-op, so a retry only finishes the serving work.
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

  const servingRuntime = options.serving === undefined ? undefined : ManagedRuntime.make(options.serving)
  /** The first line of a failure's message (a store's own message; never a stack). */
  const reasonOf = (cause: Cause.Cause<unknown>): string => {
    const e = Cause.squash(cause)
    return (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "unknown error"
  }
  /**
   * Finish the serving work pending in the outbox. A failure leaves it pending (the lake is committed): the
   * caller reports the event failed, so its retry, or any later event, finishes it. `fresh`: this event's
   * batches, whose changed records are current (not read back from silver).
   */
  const syncServing = async (
    fresh: ReadonlyArray<BatchResult>
  ): Promise<{ readonly ok: true } | { readonly ok: false; readonly error: string }> => {
    if (servingRuntime === undefined) return { ok: true }
    const pending = await runtime.runPromiseExit(pendingServing)
    if (Exit.isSuccess(pending) && pending.value.length === 0) return { ok: true }
    const store = await servingRuntime.runPromiseExit(ServingStore)
    const exit = Exit.isFailure(store)
      ? Exit.failCause(store.cause)
      : await runtime.runPromiseExit(
          syncPendingServing({ fresh }).pipe(Effect.provideService(ServingStore, store.value))
        )
    if (Exit.isSuccess(exit)) {
      const { batches, feedWrites, statsWritten, profilesWritten, historiesWritten, searchEntriesWritten } =
        exit.value
      log({
        msg: "serving synced",
        batches,
        feedWrites,
        statsWritten,
        profilesWritten,
        historiesWritten,
        searchEntriesWritten,
        topListsWritten: exit.value.topListsWritten
      })
      return { ok: true }
    }
    const error = reasonOf(exit.cause)
    const left = await runtime.runPromiseExit(pendingServing)
    logError({
      msg: "serving sync failed (the lake is committed; the work stays pending and is retried)",
      error,
      pending: Exit.isSuccess(left) ? left.value.length : null
    })
    return { ok: false, error }
  }

  /**
   * The keys an event names, decoded as its source encodes them: S3 notifications URL-encode keys,
   * EventBridge events do not. `undefined`: not an S3 event at all.
   */
  const keysOf = (event: unknown): ReadonlyArray<string> | undefined => {
    if (Schema.is(S3TestEvent)(event)) return []
    if (Schema.is(EventBridgeObjectCreated)(event)) return [event.detail.object.key]
    if (!Schema.is(S3Event)(event)) return undefined
    const keys: Array<string> = []
    for (const r of event.Records) {
      if (!r.eventName.startsWith("ObjectCreated")) continue
      try {
        keys.push(decodeS3Key(r.s3.object.key))
      } catch {
        // not valid URL encoding (S3 never sends that): nothing to fetch, so not retried
        logError({ msg: "S3 notification key is not URL-encoded (dropped)", key: r.s3.object.key })
      }
    }
    return keys
  }

  /** Ingest every key, then finish the pending serving work; `error` when the event must be retried. */
  const processEvent = async (keys: ReadonlyArray<string>): Promise<string | undefined> => {
    const fresh: Array<BatchResult> = []
    for (const k of keys) {
      const o = await processKey(k)
      if (!o.ok) return `ingest of ${k} failed: ${o.error}`
      fresh.push(...o.results)
    }
    const s = await syncServing(fresh)
    return s.ok ? undefined : `serving sync failed: ${s.error}`
  }

  return async (event: unknown): Promise<SqsBatchResponse | { readonly processed: number }> => {
    if (Schema.is(SqsEvent)(event)) {
      const failures: Array<{ itemIdentifier: string }> = []
      for (const m of event.Records) {
        // FIFO: after a failure, the rest of the batch must not overtake it (SQS redelivers them in order)
        if (failures.length > 0 && m.eventSourceARN?.endsWith(".fifo")) {
          failures.push({ itemIdentifier: m.messageId })
          continue
        }
        let body: unknown
        try {
          body = JSON.parse(m.body)
        } catch {
          logError({ msg: "SQS message body is not JSON (dropped)", messageId: m.messageId })
          continue
        }
        const keys = keysOf(body)
        if (keys === undefined) {
          logError({ msg: "SQS message is not an S3 event (dropped)", messageId: m.messageId })
          continue
        }
        if ((await processEvent(keys)) !== undefined) failures.push({ itemIdentifier: m.messageId })
      }
      return { batchItemFailures: failures }
    }
    const keys = keysOf(event)
    if (keys === undefined)
      throw new Error(
        "unsupported event: expected an S3 notification, an EventBridge S3 Object Created event, or an SQS event wrapping one"
      )
    const error = await processEvent(keys)
    if (error !== undefined) throw new Error(error)
    return { processed: keys.length }
  }
}
