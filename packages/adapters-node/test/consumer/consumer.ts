/**
 * A TypeScript consumer of the published packages: type-checked by scripts/consumer-test.ts against the
 * installed `.d.ts` (module `nodenext`, strict, no skipLibCheck), so every subpath in `exports` must
 * resolve to declarations and the public types must not collapse to `any`. In the repository it is
 * type-checked against the sources as well (root tsconfig), so it only imports packages adapters-node
 * can resolve; the test adds a generated file importing every subpath of every published package.
 */
import { type RunningServer, runCli, serve } from "@ventureos/adapters-node"
import { layerRoutes, layerServices } from "@ventureos/api"
import { layerBedrock } from "@ventureos/api/aws"
import { makeClient, urls, type VentureOsClient } from "@ventureos/api-client"
import { Api, type CompanyResponse } from "@ventureos/api-contract"
import { companyKey, companySlug, type Violation } from "@ventureos/core"
import * as Iceberg from "@ventureos/iceberg"
import * as CatalogRest from "@ventureos/iceberg/rest"
import * as FileIOS3 from "@ventureos/iceberg/s3"
import { makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import { type GoldTotalsRow, ingestFiles, layerLocal, Warehouse } from "@ventureos/pipeline"
import { layerMemory, ServingStore } from "@ventureos/serving"
import { ServingStoreDynamo } from "@ventureos/serving/dynamodb"
import { CatalogFileSystem, Lakehouse } from "@ventureos/storage"
import { layerFileSystem, RawArchive } from "@ventureos/storage/archive"
import * as RawArchiveS3 from "@ventureos/storage/archive/s3"
import * as LakehouseDuckDb from "@ventureos/storage/duckdb"
import { Effect, Layer, type Option } from "effect"
import { FetchHttpClient } from "effect/http"

/** `true` only when `T` is not `any` (an unresolved import or a lost declaration would make it `any`). */
type NotAny<T> = 0 extends 1 & T ? false : true
const notAny = <T>(_value: T, ok: NotAny<T>): boolean => ok

export const checks: ReadonlyArray<boolean> = [
  notAny(runCli, true),
  notAny(serve, true),
  notAny(layerRoutes, true),
  notAny(layerServices, true),
  notAny(layerBedrock, true),
  notAny(makeClient, true),
  notAny(urls, true),
  notAny(Api, true),
  notAny(companySlug, true),
  notAny(oshaPlugin, true),
  notAny(ingestFiles, true),
  notAny(Warehouse, true),
  notAny(CatalogFileSystem, true),
  notAny(Lakehouse, true),
  notAny(RawArchive, true),
  notAny(RawArchiveS3.layer, true),
  notAny(LakehouseDuckDb.layer, true),
  notAny(ServingStoreDynamo, true),
  notAny(Iceberg.makeContext, true),
  notAny(CatalogRest.layer, true),
  notAny(FileIOS3.layer, true),
  notAny(layerMemory, true),
  notAny(ServingStore, true)
]

/** The same program as ingest.mjs, typed: ingest OSHA files, read a company's gold totals. */
export const companyTotals = (
  files: ReadonlyArray<string>,
  home: string,
  name: string
): Promise<ReadonlyArray<GoldTotalsRow>> => {
  const slug = companySlug(name)
  if (slug === undefined) return Promise.reject(new Error(`no slug for ${name}`))
  const lake = Layer.mergeAll(layerFileSystem(`${home}/lake`), layerLocal(`${home}/warehouse`))
  const program = Effect.gen(function* () {
    yield* ingestFiles(files, { registry: makeRegistry([oshaPlugin]), mode: "historical" })
    const warehouse = yield* Warehouse
    return yield* warehouse.goldTotals("company", [companyKey(slug)])
  })
  return Effect.runPromise(program.pipe(Effect.provide(lake)))
}

/** Serve the API over an in-memory store and read a company through the typed client. */
export const readCompany = async (id: string): Promise<Option.Option<CompanyResponse>> => {
  const server: RunningServer = await serve({ port: 0, layer: layerMemory() })
  try {
    const program = Effect.gen(function* () {
      const api: VentureOsClient = yield* makeClient(server.url)
      return yield* api.company.get({ params: { id } })
    })
    return await Effect.runPromise(program.pipe(Effect.option, Effect.provide(FetchHttpClient.layer)))
  } finally {
    await server.close()
  }
}

/** A field of the unified record, typed. */
export const penaltyOf = (v: Violation): Violation["penalty_current"] => v.penalty_current
