import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import {
  appendFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  utimes,
  writeFile
} from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Option } from "effect"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { formatEntry, makeFileHashCache, observe } from "../src/archive/FileHashes"
import { makeFileSystem } from "../src/archive/RawArchive"

/**
 * Remembered hashes (issue 12, replay): an input file's sha256 is remembered under the home folder and an
 * archived object's next to the archive, so that a replay in a new process reads neither again. A remembered
 * hash is used only while the file is provably unchanged; every other case (a same-size rewrite with the old
 * mtime put back, an append, a replacement by rename, a corrupt or unreadable cache, a racily clean entry)
 * is a miss that hashes the bytes again: a stale entry must never answer for other bytes.
 */

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-hashes-"))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex")
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** Tests shorten the racy-clean margin (3 s by default) to 30 ms and wait it out after each write. */
const MARGIN_MS = 30
const margin = { racyMarginNs: BigInt(MARGIN_MS) * 1_000_000n }
const settle = () => sleep(MARGIN_MS + 15)
let n = 0
/** `touch -d` with the exact old mtime (nanoseconds: utimes through a JavaScript Date keeps milliseconds). */
const touchBack = async (file: string, mtimeNs: bigint) => {
  const ns = String(mtimeNs % 1_000_000_000n).padStart(9, "0")
  execFileSync("touch", ["-m", "-d", `@${mtimeNs / 1_000_000_000n}.${ns}`, file])
  expect((await stat(file, { bigint: true })).mtimeNs).toBe(mtimeNs)
}
const fresh = (name: string) => join(dir, `${name}-${n++}`)

describe("input hash cache", () => {
  it("remembers a hash across instances (processes), and reads the file again after any change", async () => {
    const cacheDir = fresh("cache")
    const f = fresh("in.csv")
    await writeFile(f, "a,b\n1,2\n")
    await settle()
    expect(await makeFileHashCache(cacheDir, margin).sha256(f)).toBe(sha("a,b\n1,2\n"))
    // a new instance (a new process) answers from the entry without reading the file
    expect(await makeFileHashCache(cacheDir, margin).lookup(f)).toBe(sha("a,b\n1,2\n"))

    // other bytes of the same size, the old mtime put back (touch -d): ctime moved, so a miss
    const before = await stat(f, { bigint: true })
    await writeFile(f, "a,b\n3,4\n")
    await touchBack(f, before.mtimeNs)
    expect(await makeFileHashCache(cacheDir, margin).lookup(f)).toBeUndefined()
    await settle()
    expect(await makeFileHashCache(cacheDir, margin).sha256(f)).toBe(sha("a,b\n3,4\n"))
    expect(await makeFileHashCache(cacheDir, margin).lookup(f)).toBe(sha("a,b\n3,4\n"))

    // appended
    await appendFile(f, "5,6\n")
    expect(await makeFileHashCache(cacheDir, margin).lookup(f)).toBeUndefined()
    expect(await makeFileHashCache(cacheDir, margin).sha256(f)).toBe(sha("a,b\n3,4\n5,6\n"))

    // replaced by rename (a new inode), same size and mtime as before
    await settle()
    await makeFileHashCache(cacheDir, margin).sha256(f)
    const old = await stat(f, { bigint: true })
    await writeFile(`${f}.new`, "a,b\n7,8\n5,6\n")
    await touchBack(`${f}.new`, old.mtimeNs)
    await rename(`${f}.new`, f)
    expect(await makeFileHashCache(cacheDir, margin).lookup(f)).toBeUndefined()
    expect(await makeFileHashCache(cacheDir, margin).sha256(f)).toBe(sha("a,b\n7,8\n5,6\n"))
  })

  it("does not remember a racily clean file (written too recently to tell a later write apart)", async () => {
    const cacheDir = fresh("cache")
    const f = fresh("racy.csv")
    await writeFile(f, "x\n")
    // the default margin (3 s): a file written just now is hashed, not remembered
    const cache = makeFileHashCache(cacheDir)
    expect(await cache.sha256(f)).toBe(sha("x\n"))
    expect(await cache.lookup(f)).toBeUndefined()
    expect(await readdir(cacheDir).catch(() => [])).toEqual([])
    // an entry with the file's current identity, taken in the same instant as its last change, is not used
    await settle()
    const c2 = makeFileHashCache(cacheDir, margin)
    expect(await c2.sha256(f)).toBe(sha("x\n"))
    const [name] = await readdir(cacheDir)
    const o = await observe(f)
    await writeFile(join(cacheDir, name!), formatEntry({ ...o, at: o.id.ctimeNs }, sha("other bytes")))
    expect(await c2.lookup(f)).toBeUndefined()
    expect(await c2.sha256(f)).toBe(sha("x\n"))
  })

  it("treats a corrupt, foreign or unreadable cache as a miss, never as an error or a hit", async () => {
    const cacheDir = fresh("cache")
    const f = fresh("c.csv")
    await writeFile(f, "hello\n")
    await settle()
    const cache = makeFileHashCache(cacheDir, margin)
    await cache.sha256(f)
    const [name] = await readdir(cacheDir)
    const file = join(cacheDir, name!)
    const good = await readFile(file, "utf8")
    const entry = JSON.parse(good) as Record<string, unknown>
    const corrupt = [
      "",
      "{",
      "null",
      "[]",
      good.slice(0, good.length - 5),
      JSON.stringify({ ...entry, sha256: "zz" }),
      JSON.stringify({ ...entry, v: 2 }),
      JSON.stringify({ ...entry, size: "-1" }),
      JSON.stringify({ ...entry, ino: 12 }),
      // an entry for another path (a hash collision of names, a copied cache folder)
      JSON.stringify({ ...entry, path: `${f}.other`, sha256: sha("no") }),
      // the right identity, other bytes' hash, but the identity changed: the file grew
      JSON.stringify({ ...entry, size: String(Number(entry.size) + 1), sha256: sha("no") })
    ]
    for (const text of corrupt) {
      await writeFile(file, text)
      expect(await makeFileHashCache(cacheDir, margin).lookup(f), text).toBeUndefined()
      expect(await makeFileHashCache(cacheDir, margin).sha256(f), text).toBe(sha("hello\n"))
    }
    // the entry is a folder; the cache folder is a file: still the right hash
    await rm(file, { force: true })
    await mkdir(file)
    expect(await makeFileHashCache(cacheDir, margin).sha256(f)).toBe(sha("hello\n"))
    const blocked = fresh("blocked")
    await writeFile(blocked, "not a folder")
    expect(await makeFileHashCache(blocked, margin).sha256(f)).toBe(sha("hello\n"))
    expect(await makeFileHashCache(blocked, margin).lookup(f)).toBeUndefined()
  })

  it("remember keeps a hash taken while copying only if the file did not change meanwhile", async () => {
    const cacheDir = fresh("cache")
    const f = fresh("r.csv")
    await writeFile(f, "one\n")
    await settle()
    const before = await observe(f)
    await makeFileHashCache(cacheDir, margin).remember(before, sha("one\n"))
    expect(await makeFileHashCache(cacheDir, margin).lookup(f)).toBe(sha("one\n"))
    const g = fresh("r.csv")
    await writeFile(g, "one\n")
    await settle()
    const seen = await observe(g)
    await writeFile(g, "two\n") // changed between the observation and the end of the copy
    await makeFileHashCache(cacheDir, margin).remember(seen, sha("one\n"))
    expect(await makeFileHashCache(cacheDir, margin).lookup(g)).toBeUndefined()
  })

  it("always answers the hash of the bytes the file holds, whatever happened to it (property)", async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("same-size" as const), seed: fc.integer({ min: 1, max: 255 }) }),
      fc.record({
        kind: fc.constant("append" as const),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 40 })
      }),
      fc.record({ kind: fc.constant("rename" as const), bytes: fc.uint8Array({ maxLength: 60 }) }),
      fc.record({ kind: fc.constant("corrupt" as const), text: fc.string({ maxLength: 30 }) }),
      fc.record({ kind: fc.constant("wait" as const) })
    )
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 60 }),
        fc.array(op, { maxLength: 6 }),
        async (start, ops) => {
          const cacheDir = fresh("pcache")
          const f = fresh("p.csv")
          let bytes = Buffer.from(start)
          await writeFile(f, bytes)
          for (const o of ops) {
            const st = await stat(f, { bigint: true })
            if (o.kind === "same-size") {
              // other bytes of the same length, with the old timestamps put back
              const other = Buffer.from(bytes.map((b) => (b + o.seed) & 255))
              await writeFile(f, other)
              await utimes(f, st.atime, st.mtime)
              bytes = other
            } else if (o.kind === "append") {
              await appendFile(f, o.bytes)
              bytes = Buffer.concat([bytes, o.bytes])
            } else if (o.kind === "rename") {
              await writeFile(`${f}.new`, o.bytes)
              await utimes(`${f}.new`, st.atime, st.mtime)
              await rename(`${f}.new`, f)
              bytes = Buffer.from(o.bytes)
            } else if (o.kind === "corrupt") {
              for (const name of await readdir(cacheDir).catch(() => []))
                await writeFile(join(cacheDir, name), o.text)
            } else await settle()
            // a new instance each time: what another process would see
            expect(await makeFileHashCache(cacheDir, margin).sha256(f)).toBe(sha(bytes))
          }
        }
      ),
      { numRuns: 25 }
    )
  })
})

describe("local archive hash records", () => {
  it("a new archive instance (process) answers a created object's sha256 from its record", async () => {
    const root = fresh("arch")
    const src = fresh("big.csv")
    const big = Buffer.alloc((1 << 20) + 10, 7)
    await writeFile(src, big)
    const key = "bronze/historical/osha/2026/01/01/big.csv"
    const put = await Effect.runPromise(makeFileSystem(root).putFileOnce(key, src))
    expect(put).toMatchObject({ created: true, object: { sha256: sha(big) } })
    // the record is outside the key space: list does not show it, and its key is refused
    expect((await Effect.runPromise(makeFileSystem(root).list(""))).map((o) => o.key)).toEqual([key])
    const refused = await Effect.runPromise(Effect.result(makeFileSystem(root).head(`.sha256/${key}.json`)))
    expect(refused._tag).toBe("Failure")
    // the record is used: a planted hash in it is what a new instance reports (the bytes are not read)
    const rec = join(root, ".sha256", ...`${key}.json`.split("/"))
    const text = await readFile(rec, "utf8")
    await writeFile(rec, text.replace(sha(big), sha("planted")))
    const again = await Effect.runPromise(makeFileSystem(root).putFileOnce(key, src))
    expect(again).toMatchObject({ created: false, object: { sha256: sha("planted") } })
    await writeFile(rec, text)
    // a download (hard link: ctime moves) does not invalidate it
    await Effect.runPromise(makeFileSystem(root).download(key, fresh("dl")))
    expect(Option.getOrThrow(await Effect.runPromise(makeFileSystem(root).head(key))).sha256).toBe(sha(big))
  })

  it("a changed, replaced or corrupt record's object is hashed again", async () => {
    const root = fresh("arch")
    const src = fresh("big.csv")
    const big = Buffer.alloc((1 << 20) + 10, 1)
    await writeFile(src, big)
    const key = "bronze/daily/epa/2026/01/01/e.csv"
    await Effect.runPromise(makeFileSystem(root, margin).putFileOnce(key, src))
    const p = join(root, ...key.split("/"))
    const rec = join(root, ".sha256", ...`${key}.json`.split("/"))
    const head = async () =>
      Option.getOrThrow(await Effect.runPromise(makeFileSystem(root, margin).head(key))).sha256
    // written in place (not the archive's way): mtime moves, so the record is not used
    const other = Buffer.alloc(big.length, 2)
    await writeFile(p, other)
    expect(await head()).toBe(sha(other))
    // appended
    await appendFile(p, "x")
    expect(await head()).toBe(sha(Buffer.concat([other, Buffer.from("x")])))
    // replaced by rename, with the old mtime: a new inode
    const st = await stat(p, { bigint: true })
    await writeFile(`${p}.new`, big)
    await touchBack(`${p}.new`, st.mtimeNs)
    await rename(`${p}.new`, p)
    expect(await head()).toBe(sha(big))
    // corrupt records: a miss, never an error
    for (const text of ["", "{", "null", '{"v":1}']) {
      await writeFile(rec, text)
      expect(await head()).toBe(sha(big))
    }
    // an object that has been hashed (settled, no record yet) gets a record a new instance uses
    await rm(rec, { force: true })
    await utimes(p, new Date(), new Date(Date.now() - 60_000))
    await settle()
    expect(await head()).toBe(sha(big))
    const recorded = await readFile(rec, "utf8")
    await writeFile(rec, recorded.replace(sha(big), sha("planted")))
    expect(await head()).toBe(sha("planted"))
  })
})
