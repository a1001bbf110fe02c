import { existsSync } from "node:fs"
import { join, resolve } from "node:path"
import * as lambda from "aws-cdk-lib/aws-lambda"
import { type CodeSource, SettingsError } from "./Settings"

/** The repository root (this file is packages/infra/src/Code.ts). */
export const REPO_ROOT = resolve(import.meta.dirname, "../../..")

const PLACEHOLDER = resolve(import.meta.dirname, "../assets/placeholder")

/** The bundles the functions run and the commands that build them (all relative to the repository root). */
export const BUNDLES = {
  /** `pnpm package:lambda`: the ingest ES module bundle, handler `index.handler`. */
  ingest: { dir: "dist/lambda/ingest", build: "pnpm package:lambda" },
  /** `pnpm package:lambda`: DuckDB's native binding for linux-x64 as a layer (`nodejs/node_modules/@duckdb`). */
  duckdbLayer: { dir: "dist/lambda/duckdb-layer-x64", build: "pnpm package:lambda" },
  /** The API v2 handlers and the summary worker, one `<name>.mjs` each, handler `<name>.handler`. */
  api: {
    dir: "packages/adapters-lambda/dist/api",
    build: "pnpm --filter @ventureos/adapters-lambda bundle:api"
  }
} as const

export type BundleName = keyof typeof BUNDLES

/**
 * Lambda code of one bundle. `bundles`: `Code.fromAsset` of the built folder, which must exist (the error says
 * which command builds it). `placeholder`: a folder in this package whose handlers throw, so the synth runs
 * offline in tests without building anything; the templates are otherwise identical (same handlers, layers,
 * roles), only the asset hashes differ.
 */
export const codeOf = (source: CodeSource, bundle: BundleName, root: string = REPO_ROOT): lambda.Code => {
  if (source === "placeholder")
    return bundle === "duckdbLayer"
      ? lambda.Code.fromAsset(join(PLACEHOLDER, "layer"))
      : lambda.Code.fromAsset(PLACEHOLDER, { exclude: ["layer"] })
  const b = BUNDLES[bundle]
  const dir = join(root, b.dir)
  if (!existsSync(dir))
    throw new SettingsError(
      `Lambda bundle ${bundle}: ${b.dir} does not exist; build it with \`${b.build}\` ` +
        "(or synthesize with -c code=placeholder)"
    )
  return lambda.Code.fromAsset(dir)
}
