/**
 * Report the API Lambda bundles' sizes and check what they contain. Run after
 * `tsup --config tsup.api.config.ts` (`pnpm --filter @ventureos/adapters-lambda run bundle:api`).
 *
 * Fails (exit 1) when a bundle contains DuckDB or Iceberg code; flags API handlers over the 1 MB goal.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { gzipSync } from "node:zlib"

const dir = join(import.meta.dirname, "..", "dist", "api")
// 1 MB read as 1 MiB; the table shows exact byte counts so either reading can be checked.
const GOAL = 1_048_576
const FORBIDDEN = /duckdb|iceberg|avsc|\/Lakehouse|\/Catalog|ParquetWriter/i

interface Meta {
  readonly outputs: Record<
    string,
    { readonly bytes: number; readonly inputs: Record<string, { bytesInOutput: number }> }
  >
}
const meta = JSON.parse(readFileSync(join(dir, "metafile-esm.json"), "utf8")) as Meta

const pkgOf = (input: string): string =>
  /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ??
  (/packages\/([^/]+)\//.exec(input)?.[1] ? `@ventureos/${/packages\/([^/]+)\//.exec(input)?.[1]}` : input)

let failed = false
const rows: Array<string> = []
for (const [out, o] of Object.entries(meta.outputs).sort()) {
  if (!out.endsWith(".mjs")) continue
  const name = out.replace(/^.*\//, "").replace(/\.mjs$/, "")
  const bytes = readFileSync(join(dir, `${name}.mjs`))
  const forbidden = Object.keys(o.inputs).filter((i) => FORBIDDEN.test(i))
  const byPkg = new Map<string, number>()
  for (const [i, v] of Object.entries(o.inputs))
    byPkg.set(pkgOf(i), (byPkg.get(pkgOf(i)) ?? 0) + v.bytesInOutput)
  const top = [...byPkg.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([p, n]) => `${p} ${(n / 1024).toFixed(0)} KB`)
    .join(", ")
  const isApi = name.startsWith("api-")
  const over = isApi && bytes.length > GOAL
  if (forbidden.length > 0) failed = true
  rows.push(
    `| ${name} | ${bytes.length.toLocaleString("en-US")} B | ${(gzipSync(bytes).length / 1024).toFixed(0)} KB | ${
      forbidden.length === 0 ? "none" : `FOUND: ${forbidden.slice(0, 3).join(", ")}`
    } | ${isApi ? (over ? "over 1 MB goal" : "within 1 MB goal") : "worker (no goal)"} | ${top} |`
  )
}
process.stdout.write(
  [
    "| bundle | minified (bytes) | gzip | DuckDB / Iceberg code | size goal | largest parts |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows
  ].join("\n") + "\n"
)
if (failed) {
  process.stderr.write("an API bundle contains DuckDB or Iceberg code\n")
  process.exitCode = 1
}
