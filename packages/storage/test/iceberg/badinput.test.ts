import * as fs from "node:fs/promises"
import * as path from "node:path"
import { Effect, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Lakehouse, silverDefinition } from "../../src/Lakehouse"
import { icebirdRows, type LakehouseRuntime, lakehouseLayer, makeViolations, tempDir } from "./helpers"

let dir: string
let rt: LakehouseRuntime
const run = <A, E>(eff: Effect.Effect<A, E, Lakehouse>) => rt.runPromise(eff)
const fail = <A, E>(eff: Effect.Effect<A, E, Lakehouse>) => rt.runPromise(Effect.flip(eff))

beforeAll(async () => {
  dir = await tempDir("bad")
  rt = ManagedRuntime.make(lakehouseLayer(dir))
})
afterAll(async () => {
  await rt.dispose()
  await fs.rm(dir, { recursive: true, force: true })
})

describe("bad input gives clear errors naming the file, and overwrites nothing", () => {
  it("a path that is not a table", async () => {
    await fs.mkdir(path.join(dir, "silver", "notatable", "data"), { recursive: true })
    const e = await fail(Effect.flatMap(Lakehouse, (lh) => lh.loadTable("silver.notatable")))
    expect(e.reason).toBe("NoSuchTable")
    expect(e.message).toContain(path.join(dir, "silver", "notatable"))
    expect(e.message).toContain("not an Iceberg table")
  })

  it("a corrupt metadata file", async () => {
    await run(Effect.flatMap(Lakehouse, (lh) => lh.ensureTable("silver.corrupt", silverDefinition)))
    await run(Effect.flatMap(Lakehouse, (lh) => lh.write("silver.corrupt", makeViolations(5, 0, "osha"))))
    const file = path.join(dir, "silver", "corrupt", "metadata", "v2.metadata.json")
    await fs.writeFile(file, '{"format-version": 2, "table-uuid": ')
    const e = await fail(Effect.flatMap(Lakehouse, (lh) => lh.plan("silver.corrupt")))
    expect(e.reason).toBe("InvalidMetadata")
    expect(e.message).toContain(file)
    const w = await fail(
      Effect.flatMap(Lakehouse, (lh) => lh.write("silver.corrupt", makeViolations(5, 10, "osha")))
    )
    expect(w.reason).toBe("InvalidMetadata")
    expect(await fs.readFile(file, "utf8")).toBe('{"format-version": 2, "table-uuid": ')
    const names = await fs.readdir(path.dirname(file))
    expect(names.filter((n) => /^v\d+\.metadata\.json$/.test(n)).sort()).toEqual([
      "v1.metadata.json",
      "v2.metadata.json"
    ])
  })

  it("a missing or corrupt manifest", async () => {
    await run(Effect.flatMap(Lakehouse, (lh) => lh.ensureTable("silver.nomanifest", silverDefinition)))
    await run(Effect.flatMap(Lakehouse, (lh) => lh.write("silver.nomanifest", makeViolations(5, 0, "osha"))))
    const metaDir = path.join(dir, "silver", "nomanifest", "metadata")
    const manifest = (await fs.readdir(metaDir)).find((n) => n.endsWith("-m0.avro"))!
    const bytes = await fs.readFile(path.join(metaDir, manifest))
    await fs.rm(path.join(metaDir, manifest))
    // a fresh runtime: no cached manifests
    const fresh = ManagedRuntime.make(lakehouseLayer(dir))
    try {
      const e = await fresh.runPromise(
        Effect.flip(Effect.flatMap(Lakehouse, (lh) => lh.plan("silver.nomanifest")))
      )
      expect(e.reason).toBe("MissingFile")
      expect(e.message).toContain(manifest)
      await fs.writeFile(path.join(metaDir, manifest), bytes.subarray(0, bytes.length - 40))
      const c = await fresh.runPromise(
        Effect.flip(Effect.flatMap(Lakehouse, (lh) => lh.plan("silver.nomanifest")))
      )
      expect(c.reason).toBe("CorruptFile")
      expect(c.message).toContain(manifest)
    } finally {
      await fresh.dispose()
    }
  })

  it("rows violating the schema are rejected before any commit", async () => {
    await run(Effect.flatMap(Lakehouse, (lh) => lh.ensureTable("silver.strict", silverDefinition)))
    const bad = makeViolations(2, 0, "osha").map((r) => ({ ...r, company_name: null }))
    const e = await fail(Effect.flatMap(Lakehouse, (lh) => lh.write("silver.strict", bad)))
    expect(e.reason).toBe("InvalidInput")
    expect(e.message).toContain("company_name")
    const h = await run(Effect.flatMap(Lakehouse, (lh) => lh.history("silver.strict")))
    expect(h).toHaveLength(0)
  })

  it("old metadata versions are deleted after commit beyond write.metadata.previous-versions-max", async () => {
    await run(
      Effect.flatMap(Lakehouse, (lh) =>
        lh.ensureTable("silver.retention", {
          ...silverDefinition,
          properties: { "write.metadata.previous-versions-max": "2" }
        })
      )
    )
    for (let i = 0; i < 5; i++)
      await run(
        Effect.flatMap(Lakehouse, (lh) => lh.write("silver.retention", makeViolations(2, i * 10, "osha")))
      )
    const metaDir = path.join(dir, "silver", "retention", "metadata")
    const versions = (await fs.readdir(metaDir)).filter((n) => /^v\d+\.metadata\.json$/.test(n)).sort()
    expect(versions).toEqual(["v4.metadata.json", "v5.metadata.json", "v6.metadata.json"])
    const rows = await run(
      Effect.gen(function* () {
        const lh = yield* Lakehouse
        return yield* lh.query(`SELECT count(*)::INT AS n FROM (${yield* lh.scanSql("silver.retention")})`)
      })
    )
    expect(rows[0]?.n).toBe(10)
    expect(await icebirdRows(`file://${dir}/silver/retention`)).toHaveLength(10)
  })
})
