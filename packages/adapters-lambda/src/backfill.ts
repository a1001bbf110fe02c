/**
 * The deployable backfill Lambdas (planner, map worker, committer of the Step Functions Distributed Map in
 * `packages/infra`), configured from the environment exactly as the ingest Lambda (`ingest.ts`):
 * `VENTUREOS_RAW_BUCKET` (+ `VENTUREOS_RAW_PREFIX`), `VENTUREOS_CATALOG_URI`, `VENTUREOS_WAREHOUSE`,
 * `VENTUREOS_CATALOG_SIGNING`. Handlers: `backfill.plan`, `backfill.work`, `backfill.commit`.
 */

import { epaPlugin, faaPlugin, makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import { layerIceberg } from "@ventureos/pipeline"
import { Layer } from "effect"
import { makeBackfillHandlers } from "./BackfillHandler"
import { lakeFromEnv } from "./LakeFromEnv"

const { archive, lakehouse } = lakeFromEnv("backfill")

const handlers = makeBackfillHandlers({
  registry: makeRegistry([oshaPlugin, epaPlugin, faaPlugin]),
  layer: Layer.mergeAll(archive, Layer.provideMerge(layerIceberg, lakehouse))
})

/** Step Functions task: `{ keys, splitRows? }` → `{ runId, itemsKey, items }`. */
export const plan = handlers.plan
/** Distributed Map item processor: `{ runId, item }` → `{ runId, item, dataFiles, ms }`. */
export const work = handlers.work
/** `{ runId }` → `{ runId, done }`. */
export const commit = handlers.commit
