import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { makeScratchDir, sweepStaleScratch } from "../src/Scratch"

/**
 * Scratch folders of killed ingests are removed by the next run, never a live process's: the folder names
 * carry their process id. `os.tmpdir()` follows TMPDIR, so each test gets its own temp directory.
 */
let tmp: string
const saved = process.env.TMPDIR
beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), "vos-scratch-test-"))
  process.env.TMPDIR = tmp
})
afterEach(async () => {
  if (saved === undefined) delete process.env.TMPDIR
  else process.env.TMPDIR = saved
  await rm(tmp, { recursive: true, force: true })
})

/** The pid of a process that has exited. */
const deadPid = (): number => {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"])
  return Number(r.stdout.toString())
}

describe("stale scratch", () => {
  it("removes the folders of dead processes only", async () => {
    const dead = deadPid()
    const stale = join(tmp, `ventureos-ingest-${dead}-abc123`)
    const staleRows = join(tmp, `ventureos-rows-${dead}-0f0f`)
    await mkdir(join(stale, "staged"), { recursive: true })
    await mkdir(staleRows)
    const mine = await makeScratchDir("ventureos-ingest-")
    expect(mine.startsWith(join(tmp, `ventureos-ingest-${process.pid}-`))).toBe(true)
    // a live process that is not this one (the parent of the test runner's worker, at least)
    const live = join(tmp, `ventureos-ingest-${process.ppid}-live01`)
    await mkdir(live)
    const legacy = join(tmp, "ventureos-ingest-Xy12ab") // no pid: made by an older version, left alone
    await mkdir(legacy)
    const other = join(tmp, "something-else-1-2")
    await mkdir(other)

    const removed = await sweepStaleScratch()
    expect([...removed].sort()).toEqual([stale, staleRows].sort())
    expect(existsSync(stale) || existsSync(staleRows)).toBe(false)
    for (const kept of [mine, live, legacy, other]) expect(existsSync(kept), kept).toBe(true)
    expect((await readdir(tmp)).length).toBe(4)
  })
})
