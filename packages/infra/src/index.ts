export * from "./Access"
export { makeApp } from "./App"
export { BUNDLES, codeOf, REPO_ROOT } from "./Code"
export { API_HANDLERS, Api, bedrockModelArns, SPLIT_ROUTES } from "./constructs/Api"
export { AppFunction, type AppFunctionProps } from "./constructs/AppFunction"
export {
  AccessLogBucket,
  Bronze,
  INGEST_PREFIXES,
  intelligentTieringOf,
  lifecycleRulesOf
} from "./constructs/Bronze"
export { INGEST_WRITE_PREFIXES, Ingest, visibilityTimeoutFor } from "./constructs/Ingest"
export {
  grantLakehouseReadWrite,
  LAKEHOUSE_WRITE_ACTIONS,
  Lakehouse,
  NAMESPACES
} from "./constructs/Lakehouse"
export { Serving, ServingAccess, servingEnvironment, TTL_ATTRIBUTE } from "./constructs/Serving"
export { API_PATHS, DASHBOARD_CSP, Web } from "./constructs/Web"
export * from "./Settings"
export * from "./Stacks"
