import { decodeS3Key, S3Event, S3TestEvent } from "@ventureos/adapters-lambda"
import { epaPlugin, faaPlugin, makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import { ingestObject, layerLocal } from "@ventureos/pipeline"
import { layerFileSystem } from "@ventureos/storage/archive"
import { Effect, Layer, ManagedRuntime, Schema } from "effect"
import { layerAudit, type PutRecord } from "./AuditedArchive"

/** What the handler did with one S3 object. */
export interface ObjectOutcome {
  readonly key: string
  readonly outcome: "ingested" | "replayed" | "ignored" | "unusable"
  readonly detail: string
  readonly batches: ReadonlyArray<{ readonly key: string; readonly rows: number; readonly inserted: number }>
  /** Writes the ingest made to the raw archive for this object (manifests, rejects), from the audit. */
  readonly puts: ReadonlyArray<PutRecord>
}

/**
 * A team's own ingest Lambda: the SDK's ingest program (`ingestObject`: gatekeeper, then bronze -> silver
 * -> gold per batch) over its own audited raw archive, with its own response and error policy: objects that
 * can never be ingested (unrecognised, invalid batch, deleted since) are reported, not retried; any other
 * failure throws, so Lambda retries the event (completed batches then replay as no-ops).
 */
export const makeHandler = (config: {
  readonly lake: string
  readonly warehouse: string
  /** One JSON line per object (default: stdout, i.e. CloudWatch). */
  readonly log?: (line: string) => void
}) => {
  const log = config.log ?? ((line: string) => process.stdout.write(`${line}\n`))
  const puts: Array<PutRecord> = []
  const archive = layerAudit((p) => puts.push(p)).pipe(Layer.provide(layerFileSystem(config.lake)))
  // built once per container (cold start), reused by every invocation
  const runtime = ManagedRuntime.make(Layer.mergeAll(archive, layerLocal(config.warehouse)))
  const registry = makeRegistry([oshaPlugin, epaPlugin, faaPlugin])

  const one = (key: string) =>
    Effect.gen(function* () {
      puts.length = 0 // one invocation at a time per container: the audit is per object
      const { plan, results } = yield* ingestObject(key, { registry })
      const replayed = results.length > 0 && results.every((r) => r.status === "replayed")
      return {
        key,
        outcome: plan._tag === "ignored" ? "ignored" : replayed ? "replayed" : "ingested",
        detail: plan._tag === "ignored" ? plan.reason : `${results.length} batch(es)`,
        batches: results.map((r) => ({ key: r.key, rows: r.rows, inserted: r.inserted })),
        puts: [...puts]
      } satisfies ObjectOutcome
    }).pipe(
      Effect.catchTags({
        UnusableFileError: (e) => Effect.succeed(unusable(key, e.message)),
        IngestInputError: (e) => Effect.succeed(unusable(key, e.message)),
        // deleted after its event: no retry can bring it back
        RawArchiveError: (e) =>
          e.reason === "NotFound" ? Effect.succeed(unusable(key, e.message)) : Effect.fail(e)
      })
    )

  const handler = async (event: unknown) => {
    // sent once when the bucket notification is configured: acknowledge, nothing to ingest
    if (Schema.is(S3TestEvent)(event)) return { processed: 0, objects: [] as Array<ObjectOutcome> }
    const s3 = await runtime.runPromise(Schema.decodeUnknownEffect(S3Event)(event))
    const uploads = s3.Records.filter((r) => r.eventName.startsWith("ObjectCreated:"))
    const objects: Array<ObjectOutcome> = []
    for (const r of uploads) {
      const o = await runtime.runPromise(one(decodeS3Key(r.s3.object.key)))
      log(JSON.stringify({ level: "info", bucket: r.s3.bucket.name, ...o }))
      objects.push(o)
    }
    return { processed: objects.length, objects }
  }
  return Object.assign(handler, { dispose: () => runtime.dispose() })
}

const unusable = (key: string, detail: string): ObjectOutcome => ({
  key,
  outcome: "unusable",
  detail,
  batches: [],
  puts: []
})
