import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { layerLocal } from "@ventureos/iceberg"
import * as CatalogRest from "@ventureos/iceberg/rest"
import * as FileIOS3 from "@ventureos/iceberg/s3"
import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startS3 } from "../../../iceberg/test/contract/S3Server"
import { type RestServer, startRestCatalog } from "../../../iceberg/test/RestCatalogServer"
import { Lakehouse } from "../../src/Lakehouse"
import * as LakehouseDuckDb from "../../src/LakehouseDuckDb"
import { icebirdRows, makeViolations, normalize, sortById } from "./helpers"

const creds = { accessKeyId: "AKIDTEST", secretAccessKey: "secret" }

const countOf = (rt: ManagedRuntime.ManagedRuntime<Lakehouse, never>, table: string) =>
  rt.runPromise(
    Effect.gen(function* () {
      const lh = yield* Lakehouse
      const sql = yield* lh.scanSql(table)
      const r = yield* lh.query(
        `SELECT count(*)::INT AS n, count(DISTINCT violation_id)::INT AS d FROM (${sql})`
      )
      return r[0] as { n: number; d: number }
    })
  )

describe("Lakehouse over the REST catalog (SigV4 glue) and S3 (s3rver)", () => {
  let server: RestServer
  let s3: Awaited<ReturnType<typeof startS3>>
  let cache: string
  const runtimes: Array<ManagedRuntime.ManagedRuntime<Lakehouse, never>> = []
  const makeRt = () => {
    const rt = ManagedRuntime.make(
      LakehouseDuckDb.layer({ threads: 1 }).pipe(
        Layer.provide(
          Layer.mergeAll(
            CatalogRest.layer({
              uri: server.url,
              warehouse: "111122223333",
              sigv4: { service: "glue", region: "us-east-1", credentials: creds }
            }),
            FileIOS3.layer({ client: s3.client, cacheDir: cache })
          )
        )
      )
    )
    runtimes.push(rt)
    return rt
  }
  beforeAll(async () => {
    s3 = await startS3("lake")
    cache = await fs.mkdtemp(path.join(os.tmpdir(), "vos-cache-"))
    server = await startRestCatalog({ warehouse: "s3://lake/warehouse", sigv4Service: "glue" })
  })
  afterAll(async () => {
    for (const rt of runtimes) await rt.dispose()
    await server.close()
    await s3.close()
    await fs.rm(cache, { recursive: true, force: true })
  })

  it("writes silver to S3, reconciles an unknown commit outcome, retries 409 conflicts", async () => {
    const a = makeRt()
    const b = makeRt()
    const batch = makeViolations(30, 0, "epa")
    const o1 = await a.runPromise(
      Effect.flatMap(Lakehouse, (lh) =>
        lh.writeViolations(batch, { source: { id: "s3://bronze/epa1.csv@etag1" } })
      )
    )
    expect(o1.get("silver.epa")?._tag).toBe("Committed")
    const plan = await a.runPromise(Effect.flatMap(Lakehouse, (lh) => lh.plan("silver.epa")))
    expect(
      plan.dataFiles.every((f) => f.dataFile.filePath.startsWith("s3://lake/warehouse/silver/epa/data/"))
    ).toBe(true)
    // the commit lands but the answer is lost (503): the writer reloads, finds its snapshot, does not duplicate
    server.failNextCommitAfterApply = true
    const o2 = await a.runPromise(
      Effect.flatMap(Lakehouse, (lh) =>
        lh.write("silver.epa", makeViolations(10, 100, "epa"), {
          source: { id: "s3://bronze/epa2.csv@etag2" }
        })
      )
    )
    expect(o2._tag).toBe("Committed")
    expect(await countOf(a, "silver.epa")).toEqual({ n: 40, d: 40 })
    const history = await a.runPromise(Effect.flatMap(Lakehouse, (lh) => lh.history("silver.epa")))
    expect(
      history.filter((s) => s.summary["ventureos.source-id"] === "s3://bronze/epa2.csv@etag2")
    ).toHaveLength(1)
    // two writers race: the loser gets 409 and rebases
    const before = server.conflicts
    await Promise.all(
      [a, b].map((rt, i) =>
        rt.runPromise(
          Effect.flatMap(Lakehouse, (lh) =>
            Effect.forEach([0, 1, 2], (k) =>
              lh.write("silver.epa", makeViolations(5, 1000 + i * 100 + k * 10, "epa"), {
                source: { id: `race-${i}-${k}` }
              })
            )
          )
        )
      )
    )
    expect(await countOf(b, "silver.epa")).toEqual({ n: 70, d: 70 })
    expect(server.conflicts).toBeGreaterThanOrEqual(before)
  })
})

describe("REST catalog with a file: warehouse, read back by icebird", () => {
  it("icebird reads the table the REST server committed", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "vos-restfile-"))
    const server = await startRestCatalog({ warehouse: `file://${dir}` })
    const rt = ManagedRuntime.make(
      LakehouseDuckDb.layer({ threads: 1 }).pipe(
        Layer.provide(Layer.mergeAll(CatalogRest.layer({ uri: server.url }), layerLocal))
      )
    )
    try {
      const rows = makeViolations(12, 0, "faa")
      await rt.runPromise(
        Effect.flatMap(Lakehouse, (lh) => lh.writeViolations(rows, { source: { id: "x" } }))
      )
      const changed = rows.slice(0, 3).map((r) => ({ ...r, status: "closed" as const }))
      await rt.runPromise(
        Effect.flatMap(Lakehouse, (lh) => lh.writeViolations(changed as never, { source: { id: "y" } }))
      )
      const want = sortById([...changed, ...rows.slice(3)].map(normalize))
      expect(sortById(await icebirdRows(`file://${dir}/silver/faa`))).toEqual(want)
    } finally {
      await rt.dispose()
      await server.close()
      await fs.rm(dir, { recursive: true, force: true })
    }
  })
})
