import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import { layerFileSystem, RawArchive } from "@ventureos/storage/archive"
import { layer as archiveS3 } from "@ventureos/storage/archive/s3"
import { Effect, Layer, Option } from "effect"
import S3rver from "s3rver"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { BatchResult } from "../src/Ingest"
import { ingestFiles } from "../src/IngestFiles"
import { Warehouse } from "../src/Warehouse"
import { makeMemory } from "../src/WarehouseMemory"

/**
 * Issue 15 #2 and #3: the replay rule and immutable bronze. An upload is identified by its bytes: bytes
 * already ingested under that name and date are a redelivery (a no-op reported as `replayed` with zero
 * counts); new bytes are a new batch applied in upload order. Bronze is write-once: new bytes under a used
 * name go to a content-addressed sibling, so every raw file ever ingested reads back unchanged, and each
 * manifest names exactly the bytes it processed.
 */
const registry = makeRegistry([oshaPlugin])
const FIX = join(import.meta.dirname, "fixtures")
const INSPECTIONS = join(FIX, "osha_inspection.csv")
let dir: string
let s3: S3rver
let endpoint: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-bronze-"))
  s3 = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory: join(dir, "s3"),
    configureBuckets: [{ name: "raw", configs: [] }]
  })
  endpoint = `http://127.0.0.1:${(await s3.run()).port}`
})
afterAll(async () => {
  await s3.close()
  await rm(dir, { recursive: true, force: true })
})

/** v1 = the real fixture; v2 = the same file with the first citation's current penalty corrected (150 -> 999). */
const versions = async () => {
  const v1Text = await readFile(join(FIX, "osha_violation.csv"), "utf8")
  const [header, first, ...rest] = v1Text.split("\n")
  const v2Text = [header, first!.replace(",X,150,150,", ",X,999,150,"), ...rest].join("\n")
  expect(v2Text).not.toBe(v1Text)
  const v1 = join(dir, "v1", "osha_violation.csv")
  const v2 = join(dir, "v2", "osha_violation.csv")
  await mkdir(join(dir, "v1"), { recursive: true })
  await mkdir(join(dir, "v2"), { recursive: true })
  await writeFile(v1, v1Text)
  await writeFile(v2, v2Text)
  return { v1, v2, v1Text, v2Text }
}

const ZERO = {
  rows: 0,
  accepted: 0,
  rejected: 0,
  skipped: 0,
  inserted: 0,
  updated: 0,
  unchanged: 0,
  goldDeltas: 0
}

const scenario = (name: string, archiveLayer: () => Layer.Layer<RawArchive>) =>
  it(`${name}: v1, corrected v2, v1 again; every raw file reads back`, async () => {
    const { v1, v2, v1Text, v2Text } = await versions()
    const wh = makeMemory()
    const layer = Layer.merge(archiveLayer(), Layer.succeed(Warehouse, wh))
    const run = <A, E>(e: Effect.Effect<A, E, RawArchive | Warehouse>) =>
      Effect.runPromise(e.pipe(Effect.provide(layer)))
    const ingest = (f: string) =>
      run(ingestFiles([f, INSPECTIONS], { registry, mode: "daily", date: "2026-01-02" })).then((r) => r[0]!)

    const r1 = await ingest(v1)
    expect(r1.status).toBe("ingested")
    expect(r1.inserted).toBeGreaterThan(0)
    const r2 = await ingest(v2)
    expect(r2).toMatchObject({ status: "ingested", updated: 1, inserted: 0 })
    expect(r2.key, "new bytes under a used name get their own bronze key").not.toBe(r1.key)
    const r3 = await ingest(v1)
    expect(r3, "v1 again is a redelivery: nothing done, nothing reported").toMatchObject({
      status: "replayed",
      ...ZERO
    })
    const r4 = await ingest(v2)
    expect(r4).toMatchObject({ status: "replayed", ...ZERO })

    // last new upload wins in silver
    const id = [
      ...(
        await run(
          Effect.flatMap(Warehouse, (w) =>
            w.silverLookup(
              "osha",
              r2.changed.map((c) => c.violation_id)
            )
          )
        )
      ).values()
    ]
    expect(id.map((v) => v.penalty_current)).toEqual(["999.00"])

    // every raw file ever ingested reads back byte for byte; each manifest names exactly those bytes
    const readBack = async (r: BatchResult) =>
      run(
        Effect.gen(function* () {
          const a = yield* RawArchive
          const local = join(dir, `back-${Math.random().toString(36).slice(2)}`)
          yield* a.download(r.key, local)
          const manifest = JSON.parse(Option.getOrThrow(yield* a.getText(r.manifestKey))) as {
            keys: Array<{ key: string; sha256: string }>
            previousSources?: Array<string>
          }
          const head = Option.getOrThrow(yield* a.head(r.key))
          return { text: yield* Effect.promise(() => readFile(local, "utf8")), manifest, head }
        })
      )
    const b1 = await readBack(r1)
    const b2 = await readBack(r2)
    expect(b1.text).toBe(v1Text)
    expect(b2.text).toBe(v2Text)
    expect(b1.manifest.keys[0]).toMatchObject({ key: r1.key, sha256: b1.head.sha256 })
    expect(b2.manifest.keys[0]).toMatchObject({ key: r2.key, sha256: b2.head.sha256 })
  })

describe("concurrent ingests of different bytes under one name", () => {
  it("neither replaces the other's raw file; each manifest names the bytes its batch processed", async () => {
    const { v1, v2, v1Text, v2Text } = await versions()
    const layer = Layer.merge(layerFileSystem(join(dir, "race")), Layer.succeed(Warehouse, makeMemory()))
    const ingest = (f: string) =>
      ingestFiles([f, INSPECTIONS], { registry, mode: "daily", date: "2026-01-03" }).pipe(
        Effect.map((r) => r[0]!)
      )
    const results = await Effect.runPromise(
      Effect.all([ingest(v1), ingest(v2)], { concurrency: 2 }).pipe(Effect.provide(layer))
    )
    expect(new Set(results.map((r) => r.key)).size).toBe(2)
    const texts = await Effect.runPromise(
      Effect.gen(function* () {
        const a = yield* RawArchive
        const out: Array<string> = []
        for (const r of results) {
          const local = join(dir, `race-${out.length}`)
          const got = yield* a.download(r.key, local)
          const m = JSON.parse(Option.getOrThrow(yield* a.getText(r.manifestKey))) as {
            keys: Array<{ key: string; sha256: string }>
          }
          expect(m.keys[0]).toEqual(expect.objectContaining({ key: r.key, sha256: got.sha256 }))
          out.push(yield* Effect.promise(() => readFile(local, "utf8")))
        }
        return out
      }).pipe(Effect.provide(layer))
    )
    expect(texts.sort()).toEqual([v1Text, v2Text].sort())
  })
})

describe("two different files of one name in one command", () => {
  it("both are archived and ingested, in the order given", async () => {
    const { v1, v2, v1Text, v2Text } = await versions()
    const layer = Layer.merge(layerFileSystem(join(dir, "same-name")), Layer.succeed(Warehouse, makeMemory()))
    const results = await Effect.runPromise(
      ingestFiles([v1, v2, INSPECTIONS], { registry, mode: "daily", date: "2026-01-04" }).pipe(
        Effect.provide(layer)
      )
    )
    expect(results.map((r) => r.status)).toEqual(["ingested", "ingested"])
    expect(results[0]!.key).not.toBe(results[1]!.key)
    expect(results[1]).toMatchObject({ updated: 1, inserted: 0 })
    const texts = await Effect.runPromise(
      Effect.gen(function* () {
        const a = yield* RawArchive
        const out: Array<string> = []
        for (const r of results) {
          const local = join(dir, `same-name-${out.length}`)
          yield* a.download(r.key, local)
          out.push(yield* Effect.promise(() => readFile(local, "utf8")))
        }
        return out
      }).pipe(Effect.provide(layer))
    )
    expect(texts).toEqual([v1Text, v2Text])
  })
})

describe("replays and immutable bronze", () => {
  scenario("local archive", () => layerFileSystem(join(dir, `lake-${Math.random().toString(36).slice(2)}`)))
  scenario("S3 archive (s3rver)", () =>
    archiveS3({
      bucket: "raw",
      prefix: `t${Math.random().toString(36).slice(2)}`,
      client: {
        endpoint,
        // s3rver stores the aws-chunked framing of streamed bodies sent with flexible checksums
        requestChecksumCalculation: "WHEN_REQUIRED",
        region: "us-east-1",
        credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }
      }
    })
  )
})
