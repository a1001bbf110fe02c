import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { FileIOShape } from "../../src/FileIO"

/** The FileIO contract, run against every implementation; `root` is a URI prefix to work under. */
export const fileIOSuite = (
  name: string,
  make: () => Promise<{ io: FileIOShape; root: string; close: () => Promise<void>; bigUpload?: number }>
) =>
  describe(`FileIO contract: ${name}`, () => {
    let io: FileIOShape
    let root: string
    let close: () => Promise<void>
    let bigUpload: number | undefined
    beforeAll(async () => {
      ;({ io, root, close, bigUpload } = await make())
    })
    afterAll(() => close())
    const run = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e)

    it("writes, reads, lists and deletes", async () => {
      const p = `${root}/a/b/one.bin`
      await run(io.write(p, Uint8Array.of(1, 2, 3)))
      expect(Array.from(await run(io.read(p)))).toEqual([1, 2, 3])
      expect(await run(io.exists(p))).toBe(true)
      await run(io.write(`${root}/a/two.bin`, Uint8Array.of(4)))
      const listed = (await run(io.list(`${root}/a`))).map((f) => f.path).sort()
      expect(listed).toEqual([`${root}/a/b/one.bin`, `${root}/a/two.bin`])
      await run(io.delete(p))
      expect(await run(io.exists(p))).toBe(false)
      await run(io.delete(p)) // deleting a missing file is fine
    })

    it("a missing file is NotFound, naming the file", async () => {
      const e = await Effect.runPromise(Effect.flip(io.read(`${root}/missing.bin`)))
      expect(e.reason).toBe("NotFound")
      expect(e.message).toContain("missing.bin")
    })

    it("uploads local files (multipart when large) and exposes them as local paths", async () => {
      const size = bigUpload ?? 1024
      const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "vos-up-"))
      const local = path.join(tmp, "f.bin")
      const bytes = new Uint8Array(size).map((_, i) => i % 251)
      await fs.writeFile(local, bytes)
      const p = `${root}/up/f.bin`
      await run(io.upload(local, p))
      const back = await run(io.read(p))
      expect(back.length).toBe(size)
      expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true)
      const lp = await run(io.localPath(p))
      expect((await fs.stat(lp)).size).toBe(size)
      await fs.rm(tmp, { recursive: true, force: true })
    })
  })
