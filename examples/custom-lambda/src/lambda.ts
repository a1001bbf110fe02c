/**
 * Deployable entry point (`handler` in the function's configuration): the lake is a mounted folder,
 * e.g. an EFS access point at `/mnt/lake` (`LAKE_DIR` for the raw archive, `WAREHOUSE_DIR` for Iceberg).
 */
import { makeHandler } from "./Handler"

export const handler = makeHandler({
  lake: process.env.LAKE_DIR ?? "/mnt/lake/raw",
  warehouse: process.env.WAREHOUSE_DIR ?? "/mnt/lake/warehouse"
})
