import { RawArchive, type RawArchiveShape, type RawObject } from "@ventureos/storage/archive"
import { Effect, Layer } from "effect"

/** One write to the raw archive (by the ingest: batch manifests and rejects files). */
export interface PutRecord {
  readonly op: "putFile" | "putText"
  readonly key: string
  readonly size: number
  readonly sha256: string
}

/** Decorate a raw archive: every successful put is reported to `record`; reads pass through unchanged. */
export const audited = (inner: RawArchiveShape, record: (put: PutRecord) => void): RawArchiveShape => {
  const report = (op: PutRecord["op"]) => (o: RawObject) =>
    Effect.sync(() => record({ op, key: o.key, size: o.size, sha256: o.sha256 }))
  return {
    ...inner,
    putFile: (key, localPath) => Effect.tap(inner.putFile(key, localPath), report("putFile")),
    putText: (key, text) => Effect.tap(inner.putText(key, text), report("putText"))
  }
}

/**
 * The decorator as a layer over whichever archive is provided below it: the local folder here,
 * `@ventureos/storage/archive/s3` in AWS (`layerAudit(record).pipe(Layer.provide(archiveS3({ bucket })))`).
 */
export const layerAudit = (record: (put: PutRecord) => void): Layer.Layer<RawArchive, never, RawArchive> =>
  Layer.effect(
    RawArchive,
    Effect.map(RawArchive, (inner) => audited(inner, record))
  )
