import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import {
  appendFile,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile
} from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import { layerFileSystem, makeFileHashCache, type RawArchive } from "@ventureos/storage/archive"
import { Effect, Layer, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { allReplayed, archiveFiles, ingestFiles } from "../src/IngestFiles"
import { Warehouse } from "../src/Warehouse"
import { makeMemory } from "../src/WarehouseMemory"

/**
 * Issue 12: a replay does not read unchanged bytes again. The first ingest remembers the input's sha256 (taken
 * while it was copied to bronze, the one read of the file) and the bronze object's; a later ingest of the same
 * file in a new process answers from both without hashing. A remembered hash never makes other bytes a
 * replay: a same-size rewrite with the old mtime put back, an append, a replacement by rename and a corrupt
 * cache are each ingested as what they are.
 */
const registry = makeRegistry([oshaPlugin])
const FIX = join(import.meta.dirname, "fixtures")
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-replay-cache-"))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** The racy-clean margin shortened to 30 ms (3 s by default); tests wait it out after writing an input. */
const margin = { racyMarginNs: 30_000_000n }
const sha = (b: string | Uint8Array) => createHash("sha256").update(b).digest("hex")
const settle = () => new Promise((r) => setTimeout(r, 50))
const touchBack = (file: string, mtimeNs: bigint) =>
  execFileSync("touch", [
    "-m",
    "-d",
    `@${mtimeNs / 1_000_000_000n}.${String(mtimeNs % 1_000_000_000n).padStart(9, "0")}`,
    file
  ])

describe("replay with remembered hashes", () => {
  it("answers a replay from the caches, and ingests every kind of changed input", async () => {
    const home = join(dir, "home")
    const input = join(dir, "in")
    await mkdir(input, { recursive: true })
    const v = join(input, "osha_violation.csv")
    const ins = join(input, "osha_inspection.csv")
    await copyFile(join(FIX, "osha_violation.csv"), v)
    await copyFile(join(FIX, "osha_inspection.csv"), ins)
    const v1 = await readFile(v, "utf8")
    // the first citation's current penalty corrected: other bytes, same size
    const v2 = v1.replace(",X,150,150,", ",X,999,150,")
    expect(v2).not.toBe(v1)
    expect(v2.length).toBe(v1.length)
    await settle()

    const wh = makeMemory()
    const cacheDir = join(home, "cache")
    // each run as a new process would: new archive and cache instances over the same folders
    const ingest = async () => {
      const layer = Layer.merge(layerFileSystem(join(home, "lake")), Layer.succeed(Warehouse, wh))
      const [r] = await Effect.runPromise(
        ingestFiles([v, ins], {
          registry,
          mode: "daily",
          date: "2026-01-02",
          hashCache: makeFileHashCache(cacheDir, margin)
        }).pipe(Effect.provide(layer as Layer.Layer<RawArchive | Warehouse>))
      )
      return r!
    }

    const first = await ingest()
    expect(first.status).toBe("ingested")
    // the copy's hash was remembered: the first ingest read the input once, and a replay reads it not at all
    expect(await makeFileHashCache(cacheDir, margin).lookup(v)).toBe(sha(v1))
    expect(await makeFileHashCache(cacheDir, margin).lookup(ins)).toBe(sha(await readFile(ins)))
    expect(await ingest()).toMatchObject({ status: "replayed", inserted: 0, updated: 0 })
    // the CLI's early answer: archive and ledger only (no warehouse in the layer at all)
    const early = () =>
      Effect.runPromise(
        Effect.flatMap(
          archiveFiles([v, ins], {
            registry,
            mode: "daily",
            date: "2026-01-02",
            hashCache: makeFileHashCache(cacheDir, margin)
          }),
          allReplayed
        ).pipe(Effect.provide(layerFileSystem(join(home, "lake"))))
      )
    const answered = await early()
    expect(Option.getOrThrow(answered).map((r) => r.status)).toEqual(["replayed"])

    // other bytes of the same size with the old mtime put back: ingested (the correction applied)
    const before = await stat(v, { bigint: true })
    await writeFile(v, v2)
    touchBack(v, before.mtimeNs)
    expect((await stat(v, { bigint: true })).mtimeNs).toBe(before.mtimeNs)
    expect(Option.isNone(await early()), "changed bytes are work, not a replay").toBe(true)
    const corrected = await ingest()
    expect(corrected).toMatchObject({ status: "ingested", updated: 1 })
    await settle()
    expect(await ingest()).toMatchObject({ status: "replayed" })

    // appended (a blank line: the same records, other bytes): a new batch, not a replay
    await appendFile(v, "\n")
    const appended = await ingest()
    expect(appended.status).toBe("ingested")
    expect(appended.key).not.toBe(corrected.key)

    // replaced by rename with the first version's bytes and the current mtime: those bytes were ingested
    const now = await stat(v, { bigint: true })
    await writeFile(`${v}.new`, v1)
    touchBack(`${v}.new`, now.mtimeNs)
    await rename(`${v}.new`, v)
    expect(await ingest()).toMatchObject({ status: "replayed" })
    // ... and with new bytes of the same size: ingested
    await writeFile(`${v}.new`, v1.replace(",X,150,150,", ",X,777,150,"))
    touchBack(`${v}.new`, now.mtimeNs)
    await rename(`${v}.new`, v)
    expect(await ingest()).toMatchObject({ status: "ingested", updated: 1 })

    // a corrupt cache: every entry garbage; the replay is still found (by hashing), new bytes still ingested
    await settle()
    for (const name of await readdir(cacheDir)) await writeFile(join(cacheDir, name), "{not json")
    expect(await ingest()).toMatchObject({ status: "replayed" })
    for (const name of await readdir(cacheDir)) await writeFile(join(cacheDir, name), "")
    const before2 = await stat(v, { bigint: true })
    await writeFile(v, v1.replace(",X,150,150,", ",X,555,150,"))
    touchBack(v, before2.mtimeNs)
    expect(await ingest()).toMatchObject({ status: "ingested", updated: 1 })
  })
})
