import { createHash } from "node:crypto"
import { mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Option } from "effect"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeFileSystem } from "../src/archive/RawArchive"

/**
 * The local archive copies and hashes a file in one pass, reuses the hash for `head` and `download` while the
 * file is unchanged, and hands `download` a link or copy that later archive writes never change.
 */

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-archive-"))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex")

describe("local raw archive", () => {
  it("putFile/head/download report the sha256 of the bytes, for any content (property)", async () => {
    const archive = makeFileSystem(join(dir, "p"))
    let n = 0
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3 << 20 }), async (bytes) => {
        const src = join(dir, `src-${n}`)
        const key = `bronze/daily/osha/2026/01/01/f${n++}.csv`
        await writeFile(src, bytes)
        const put = await Effect.runPromise(archive.putFile(key, src))
        expect(put).toMatchObject({ sha256: sha(bytes), size: bytes.length })
        const head = await Effect.runPromise(archive.head(key))
        expect(Option.getOrThrow(head).sha256).toBe(sha(bytes))
        const local = join(dir, `dl-${n}`)
        const got = await Effect.runPromise(archive.download(key, local))
        expect(got.sha256).toBe(sha(bytes))
        expect(sha(await readFile(local))).toBe(sha(bytes))
      }),
      { numRuns: 15 }
    )
  })

  it("putFileOnce copies and hashes a new key once, and answers a taken key with what it holds", async () => {
    const archive = makeFileSystem(join(dir, "o"))
    const key = "bronze/historical/faa/2026/01/01/c.csv"
    const src = join(dir, "c1")
    await writeFile(src, "one\n")
    const first = await Effect.runPromise(archive.putFileOnce(key, src))
    expect(first).toMatchObject({ created: true, object: { sha256: sha("one\n"), size: 4 } })
    await writeFile(src, "other bytes\n")
    const again = await Effect.runPromise(archive.putFileOnce(key, src))
    expect(again).toMatchObject({ created: false, object: { sha256: sha("one\n") } })
    expect(await readFile(join(dir, "o", ...key.split("/")), "utf8")).toBe("one\n")
  })

  it("a downloaded copy keeps its bytes when the key is written again; a replaced file is hashed again", async () => {
    const archive = makeFileSystem(join(dir, "r"))
    const key = "bronze/daily/epa/2026/01/01/a.csv"
    const src = join(dir, "a1")
    await writeFile(src, "first\n")
    await Effect.runPromise(archive.putFile(key, src))
    const local = join(dir, "a-local")
    await Effect.runPromise(archive.download(key, local))
    await writeFile(src, "second version\n")
    const put = await Effect.runPromise(archive.putFile(key, src))
    expect(put.sha256).toBe(sha("second version\n"))
    expect(await readFile(local, "utf8")).toBe("first\n")
    // someone replaces the archived file behind the process's back (new inode): head hashes it again
    const path = join(dir, "r", ...key.split("/"))
    await writeFile(`${path}.new`, "third\n")
    await rename(`${path}.new`, path)
    expect(Option.getOrThrow(await Effect.runPromise(archive.head(key))).sha256).toBe(sha("third\n"))
  })
})
