/**
 * Build the deployable ingest Lambda: an ES module bundle (everything but DuckDB's native binding) and a
 * Lambda layer holding `@duckdb/node-bindings` + its linux-x64 (and linux-arm64, when installed) binaries,
 * like the original `duckdb-neo` layer. Prints zip sizes against Lambda's limits as the last stdout line.
 *
 *   pnpm package:lambda [--out dist/lambda]
 */
import { execFileSync } from "node:child_process"
import { cpSync, existsSync, mkdirSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, resolve } from "node:path"
import { build } from "esbuild"

const root = resolve(import.meta.dirname, "..")
const outArg = process.argv.indexOf("--out")
const out = resolve(outArg !== -1 ? process.argv[outArg + 1]! : join(root, "dist", "lambda"))
rmSync(out, { recursive: true, force: true })

const MB = 1024 * 1024
const dirSize = (p: string): number => {
  const st = statSync(p)
  if (!st.isDirectory()) return st.size
  let n = 0
  for (const e of execFileSync("find", [p, "-type", "f"], { encoding: "utf8" }).trim().split("\n"))
    if (e) n += statSync(e).size
  return n
}
const zip = (dir: string, file: string) => {
  execFileSync("zip", ["-qr9", file, "."], { cwd: dir })
  return statSync(file).size
}

// 1. the function bundle
const fnDir = join(out, "ingest")
mkdirSync(fnDir, { recursive: true })
// the ingest (index.mjs) and, beside it, the backfill's planner / worker / committer (backfill.mjs)
for (const [entry, file] of [
  ["ingest.ts", "index.mjs"],
  ["backfill.ts", "backfill.mjs"]
] as const)
  await build({
    entryPoints: [join(root, "packages/adapters-lambda/src", entry)],
    outfile: join(fnDir, file),
    bundle: true,
    minify: true,
    format: "esm",
    platform: "node",
    target: "node24",
    sourcemap: false,
    // the native binding ships in the layer; the SDK v3 in the runtime is not relied upon (pinned in the bundle)
    external: ["@duckdb/node-bindings", "@duckdb/node-bindings-*"],
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
    },
    logLevel: "warning"
  })
writeFileSync(join(fnDir, "package.json"), JSON.stringify({ type: "module" }))

// 2. the DuckDB layer: nodejs/node_modules/@duckdb/...
const req = createRequire(join(root, "packages/storage/package.json"))
const apiDir = dirname(realpathSync(req.resolve("@duckdb/node-api/package.json")))
const reqApi = createRequire(join(apiDir, "package.json"))
const bindingsDir = dirname(realpathSync(reqApi.resolve("@duckdb/node-bindings/package.json")))
const reqBindings = createRequire(join(bindingsDir, "package.json"))
const layers: Record<string, { zipBytes: number; unzippedBytes: number }> = {}
for (const arch of ["x64", "arm64"]) {
  let platformDir: string
  try {
    platformDir = dirname(
      realpathSync(reqBindings.resolve(`@duckdb/node-bindings-linux-${arch}/package.json`))
    )
  } catch {
    process.stderr.write(
      `layer linux-${arch}: @duckdb/node-bindings-linux-${arch} is not installed here, skipped\n`
    )
    continue
  }
  const layerDir = join(out, `duckdb-layer-${arch}`)
  const nm = join(layerDir, "nodejs", "node_modules", "@duckdb")
  mkdirSync(nm, { recursive: true })
  cpSync(bindingsDir, join(nm, "node-bindings"), {
    recursive: true,
    dereference: true,
    filter: (s) => !s.startsWith(join(bindingsDir, "node_modules"))
  })
  cpSync(platformDir, join(nm, `node-bindings-linux-${arch}`), { recursive: true, dereference: true })
  const unzipped = dirSize(layerDir)
  layers[`duckdb-linux-${arch}`] = {
    zipBytes: zip(layerDir, join(out, `duckdb-layer-linux-${arch}.zip`)),
    unzippedBytes: unzipped
  }
}
const fnUnzipped = dirSize(fnDir)
const fnZip = zip(fnDir, join(out, "ingest.zip"))

const limits = { directUploadZipMB: 50, unzippedWithLayersMB: 250 }
const totalUnzipped = fnUnzipped + Math.max(0, ...Object.values(layers).map((l) => l.unzippedBytes))
const report = {
  function: {
    zip: join(out, "ingest.zip"),
    zipMB: +(fnZip / MB).toFixed(2),
    unzippedMB: +(fnUnzipped / MB).toFixed(2)
  },
  layers: Object.fromEntries(
    Object.entries(layers).map(([k, v]) => [
      k,
      { zipMB: +(v.zipBytes / MB).toFixed(2), unzippedMB: +(v.unzippedBytes / MB).toFixed(2) }
    ])
  ),
  limits,
  withinLimits:
    fnZip / MB <= limits.directUploadZipMB &&
    Object.values(layers).every((l) => l.zipBytes / MB <= limits.directUploadZipMB) &&
    totalUnzipped / MB <= limits.unzippedWithLayersMB
}
process.stderr.write(
  `function ${report.function.zipMB} MB zipped (${report.function.unzippedMB} MB unzipped); ` +
    Object.entries(report.layers)
      .map(([k, v]) => `${k} layer ${v.zipMB} MB zipped (${v.unzippedMB} MB unzipped)`)
      .join("; ") +
    `; Lambda limits: ${limits.directUploadZipMB} MB zipped upload, ${limits.unzippedWithLayersMB} MB unzipped incl. layers\n`
)
if (!existsSync(join(fnDir, "index.mjs"))) throw new Error("bundle missing")
process.stdout.write(`${JSON.stringify(report)}\n`)
