/**
 * The consumer test: the published packages work outside the workspace. Packs every publishable package
 * (pnpm rewrites `workspace:*` to versions and applies `publishConfig`; `pnpm -r publish --dry-run` must
 * accept them too), installs the tarballs with npm into a temporary project, and there
 *   1. runs an ESM script importing the SDK: ingest real OSHA rows into a filesystem lake, read a
 *      company's gold totals back (`packages/adapters-node/test/consumer/ingest.mjs`);
 *   2. loads every published entry point (`import()` of each subpath), and the light ones (core, storage's
 *      ports and serving model, the API) without DuckDB or the AWS SDK;
 *   3. type-checks a TypeScript consumer against the installed `.d.ts` (module nodenext, strict, no
 *      skipLibCheck) plus a generated file importing every subpath;
 *   4. runs the installed `ventureos` command (`npx ventureos --help`, `ingest`, `stats`): plain JavaScript,
 *      stdout holds JSON lines only, the last being the summary;
 *   5. starts the installed `ventureos serve`: the API and the dashboards copied into the package.
 * Needs `pnpm build` first. Human output on stderr, a JSON summary (timings, tarball sizes) on stdout.
 *
 *   pnpm build && pnpm test:consumer [--keep]
 */
import { type SpawnSyncReturns, spawn, spawnSync } from "node:child_process"
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

const ROOT = resolve(import.meta.dirname, "..")
const HERE = join(ROOT, "packages", "adapters-node", "test", "consumer")
const keep = process.argv.includes("--keep")

interface Manifest {
  readonly name: string
  readonly version: string
  readonly private?: boolean
  readonly bin?: Record<string, string>
  readonly publishConfig?: {
    readonly exports?: Record<string, { readonly types: string; readonly default: string }>
  }
}

class ConsumerTestFailure extends Error {}
const fail = (message: string): never => {
  throw new ConsumerTestFailure(message)
}

const timings: Record<string, number> = {}
const step = <A>(name: string, f: () => A): A => {
  process.stderr.write(`consumer: ${name}\n`)
  const start = performance.now()
  const result = f()
  timings[name] = Math.round((performance.now() - start) / 100) / 10
  return result
}

/**
 * The environment for npm: pnpm passes its whole configuration to scripts as `npm_config_*` (npm warns
 * about the keys it does not know, and `globalconfig` points at pnpm's file); only the settings that
 * decide where packages come from are kept.
 */
const NPM_KEEP = new Set([
  "registry",
  "cache",
  "cafile",
  "proxy",
  "https_proxy",
  "noproxy",
  "strict_ssl",
  "userconfig"
])
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => {
    const key = k.toLowerCase()
    return !key.startsWith("npm_config_") || NPM_KEEP.has(key.slice("npm_config_".length))
  })
)

const run = (
  command: string,
  args: ReadonlyArray<string>,
  cwd: string,
  env: Record<string, string> = {}
): SpawnSyncReturns<string> =>
  spawnSync(command, args, {
    cwd,
    env: { ...cleanEnv, NO_COLOR: "1", ...env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 1024 * 1024
  })

const must = (r: SpawnSyncReturns<string>, what: string): SpawnSyncReturns<string> => {
  if (r.error !== undefined) fail(`${what}: ${r.error.message}`)
  if (r.status !== 0) fail(`${what} exited ${r.status}\n${r.stdout}\n${r.stderr}`)
  return r
}

/** Every stdout line is a JSON object; returns the last one. */
const jsonLines = (stdout: string, what: string): Record<string, unknown> => {
  const lines = stdout.split("\n").filter((l) => l !== "")
  if (lines.length === 0) fail(`${what}: nothing on stdout`)
  const parsed = lines.map((l) => {
    try {
      return JSON.parse(l) as Record<string, unknown>
    } catch {
      return fail(`${what}: stdout line is not JSON: ${l.slice(0, 200)}`)
    }
  })
  return parsed[parsed.length - 1]!
}

const expectEqual = (actual: unknown, expected: unknown, what: string): void => {
  if (JSON.stringify(actual) !== JSON.stringify(expected))
    fail(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
}

// --- the published packages, built ----------------------------------------------------------------------
const packages = readdirSync(join(ROOT, "packages"))
  .map((d) => join(ROOT, "packages", d))
  .filter((d) => existsSync(join(d, "package.json")))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest }))
  .filter((p) => p.manifest.private !== true)
for (const { dir, manifest } of packages) {
  const files = [
    ...Object.values(manifest.publishConfig?.exports ?? {}).flatMap((e) => [e.types, e.default]),
    ...Object.values(manifest.bin ?? {})
  ]
  for (const f of files)
    if (!existsSync(join(dir, f))) fail(`${manifest.name}: ${f} is missing (run pnpm build first)`)
}

const work = mkdtempSync(join(tmpdir(), "ventureos-consumer-"))
const tarballs = join(work, "tarballs")
const app = join(work, "app")
mkdirSync(app, { recursive: true })

try {
  // --- 0. the registry would take them (no upload: --dry-run) ---------------------------------------------
  step("pnpm publish --dry-run", () =>
    must(
      run(
        "pnpm",
        [
          "-r",
          ...packages.flatMap((p) => ["--filter", p.manifest.name]),
          "publish",
          "--dry-run",
          "--no-git-checks"
        ],
        ROOT
      ),
      "pnpm -r publish --dry-run --no-git-checks"
    )
  )

  // --- 1. pack -----------------------------------------------------------------------------------------
  step("pack", () =>
    must(
      run(
        "pnpm",
        [
          "-r",
          ...packages.flatMap((p) => ["--filter", p.manifest.name]),
          "pack",
          "--pack-destination",
          tarballs
        ],
        ROOT
      ),
      "pnpm pack"
    )
  )
  const tarballOf = (p: Manifest) =>
    join(tarballs, `${p.name.replace(/^@/, "").replace("/", "-")}-${p.version}.tgz`)
  const sizes: Record<string, number> = {}
  for (const { manifest } of packages) {
    if (!existsSync(tarballOf(manifest))) fail(`no tarball for ${manifest.name}`)
    sizes[manifest.name] = statSync(tarballOf(manifest)).size
  }

  // --- 2. install with npm, outside the workspace ---------------------------------------------------------
  const deps = Object.fromEntries(
    packages.map(({ manifest }) => [manifest.name, `file:${tarballOf(manifest)}`])
  )
  const rootTypes = JSON.parse(
    readFileSync(join(ROOT, "node_modules", "@types", "node", "package.json"), "utf8")
  )
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify(
      {
        name: "ventureos-consumer",
        private: true,
        type: "module",
        dependencies: deps,
        devDependencies: { "@types/node": rootTypes.version },
        // the packages' own dependencies on each other resolve to these tarballs, never to a registry
        overrides: deps
      },
      null,
      2
    )
  )
  step("npm install", () =>
    must(run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], app), "npm install")
  )
  for (const { manifest } of packages) {
    const installed = JSON.parse(
      readFileSync(join(app, "node_modules", manifest.name, "package.json"), "utf8")
    ) as Manifest & { readonly dependencies?: Record<string, string> }
    expectEqual(installed.version, manifest.version, `${manifest.name} installed version`)
    for (const [dep, range] of Object.entries(installed.dependencies ?? {}))
      if (range.startsWith("workspace:")) fail(`${manifest.name} was packed with ${dep}@${range}`)
  }

  // --- 3. the ESM consumer: ingest a few real OSHA rows into a filesystem lake, read a company back ------
  cpSync(join(HERE, "ingest.mjs"), join(app, "ingest.mjs"))
  cpSync(join(HERE, "fixtures"), join(app, "fixtures"), { recursive: true })
  const expected = {
    accepted: 15,
    rejected: 0,
    company: "COMPANY#calif-state-dept-corrections-prison-ind-authority",
    name: "CALIF STATE DEPT CORRECTIONS PRISON IND. AUTHORITY",
    violation_count: 7,
    closed_count: 7,
    penalty_initial_cents: "120000",
    penalty_current_cents: "120000",
    first_event_date: "2001-03-06",
    last_event_date: "2001-03-06"
  }
  step("ESM script: ingest + gold totals", () => {
    const r = must(
      run(process.execPath, ["ingest.mjs", "fixtures", join(work, "lake")], app),
      "node ingest.mjs"
    )
    expectEqual(jsonLines(r.stdout, "ingest.mjs"), expected, "ingest.mjs result")
  })

  // --- 4. every published entry point loads ------------------------------------------------------------
  const specifiers = packages.flatMap(({ manifest }) =>
    Object.keys(manifest.publishConfig?.exports ?? {}).map((sub) => `${manifest.name}${sub.slice(1)}`)
  )
  step("import every entry point", () => {
    writeFileSync(
      join(app, "entries.mjs"),
      `for (const s of ${JSON.stringify(specifiers)}) {\n  const m = await import(s)\n  if (Object.keys(m).length === 0) throw new Error(\`\${s} exports nothing\`)\n}\n`
    )
    must(run(process.execPath, ["entries.mjs"], app), "import() of every entry point")
  })

  // DuckDB (68 MB native binding) and the AWS SDK load only through the subpaths that need them
  step("light entry points load no DuckDB or AWS SDK", () => {
    const light = [
      "@ventureos/core",
      "@ventureos/entities",
      "@ventureos/normalizers",
      "@ventureos/storage",
      "@ventureos/storage/archive",
      "@ventureos/serving",
      "@ventureos/storage/iceberg",
      "@ventureos/iceberg",
      "@ventureos/api-contract",
      "@ventureos/api-client",
      "@ventureos/api"
    ]
    writeFileSync(
      join(app, "light.mjs"),
      `import { registerHooks } from "node:module"
const heavy = new Set()
registerHooks({
  resolve(specifier, context, next) {
    if (/^@duckdb\\/|^@aws-sdk\\//.test(specifier)) heavy.add(specifier)
    return next(specifier, context)
  }
})
for (const s of ${JSON.stringify(light)}) await import(s)
process.stdout.write(JSON.stringify([...heavy]) + "\\n")
`
    )
    const r = must(run(process.execPath, ["light.mjs"], app), "light.mjs")
    expectEqual(JSON.parse(r.stdout), [], "heavy modules loaded by the light entry points")
  })

  // --- 5. the TypeScript consumer against the published declarations ------------------------------------
  step("tsc against the published .d.ts", () => {
    cpSync(join(HERE, "consumer.ts"), join(app, "consumer.ts"))
    writeFileSync(
      join(app, "entries.ts"),
      `${specifiers.map((s, i) => `import * as e${i} from "${s}"`).join("\n")}\n\n/** Every subpath resolves to declarations with exports. */\nexport const entries = [${specifiers.map((_, i) => `e${i}`).join(", ")}] as const\n`
    )
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2023",
          lib: ["ES2023"],
          module: "nodenext",
          moduleResolution: "nodenext",
          types: ["node"],
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          verbatimModuleSyntax: true,
          skipLibCheck: false,
          noEmit: true
        },
        files: ["consumer.ts", "entries.ts"]
      })
    )
    const tsc = run(
      process.execPath,
      [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"],
      app
    )
    if (tsc.error !== undefined) fail(`tsc: ${tsc.error.message}`)
    // Our declarations and the consumer must be clean; third-party declarations are not ours to fix
    // (effect's crypto modules name DOM types that a Node-only `lib` lacks), so they are only counted.
    const errors = tsc.stdout.split("\n").filter((l) => /error TS\d+/.test(l))
    const ours = errors.filter(
      (l) => !l.startsWith("node_modules/") || l.startsWith("node_modules/@ventureos/")
    )
    if (ours.length > 0 || (tsc.status !== 0 && errors.length === 0)) fail(`tsc:\n${tsc.stdout}${tsc.stderr}`)
    if (errors.length > 0)
      process.stderr.write(`  (${errors.length} error(s) in third-party declarations ignored)\n`)
  })

  // --- 6. the installed command --------------------------------------------------------------------------
  step("installed ventureos command", () => {
    const adapter = packages.find((p) => p.manifest.bin?.ventureos !== undefined)
    if (adapter === undefined) return fail("no package has a ventureos bin")
    const binFile = join(app, "node_modules", adapter.manifest.name, adapter.manifest.bin!.ventureos!)
    if (!readFileSync(binFile, "utf8").startsWith("#!/usr/bin/env node\n"))
      fail(`${binFile}: no node shebang`)
    if (existsSync(join(app, "node_modules", "tsx"))) fail("tsx got installed: the command must not need it")
    if (!existsSync(join(app, "node_modules", adapter.manifest.name, "dist", "web", "index.html")))
      fail("the CLI package holds no dashboard build (dist/web/index.html)")

    const home = join(work, "home")
    const npx = (args: ReadonlyArray<string>) =>
      run("npx", ["--no-install", "ventureos", ...args], app, { VENTUREOS_HOME: home })
    const help = npx(["--help"])
    if (help.status !== 0) fail(`ventureos --help exited ${help.status}: ${help.stderr}`)
    // asked-for help is the command's output: on stdout, exit code 0
    if (!help.stdout.startsWith("usage: ventureos <command>"))
      fail(`ventureos --help printed: ${help.stdout}`)

    const ingest = must(
      npx(["ingest", "fixtures", "--mode", "historical", "--date", "2024-01-02"]),
      "ventureos ingest"
    )
    const summary = jsonLines(ingest.stdout, "ventureos ingest")
    expectEqual(
      [summary.accepted, summary.rejected],
      [expected.accepted, expected.rejected],
      "ventureos ingest"
    )

    const stats = must(
      npx(["stats", "company", "calif-state-dept-corrections-prison-ind-authority"]),
      "stats"
    )
    const all = (jsonLines(stats.stdout, "ventureos stats") as { stats?: { all?: Record<string, unknown> } })
      .stats?.all
    expectEqual(
      [all?.violation_count, all?.penalty_current_total, all?.first_event_date],
      [expected.violation_count, "1200.00", expected.first_event_date],
      "ventureos stats company"
    )
  })

  // --- 7. the installed server: API and dashboards (the private web package's build, shipped in dist/web)
  const serveStart = performance.now()
  process.stderr.write("consumer: installed ventureos serve\n")
  const adapter = packages.find((p) => p.manifest.bin?.ventureos !== undefined)!
  const server = spawn(
    process.execPath,
    [
      join(app, "node_modules", adapter.manifest.name, adapter.manifest.bin!.ventureos!),
      "serve",
      "--port",
      "0"
    ],
    { cwd: app, env: { ...cleanEnv, VENTUREOS_HOME: join(work, "home") }, stdio: ["ignore", "pipe", "pipe"] }
  )
  try {
    let stderr = ""
    server.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    const url = await new Promise<string>((done, failed) => {
      let stdout = ""
      const timer = setTimeout(
        () => failed(new Error(`ventureos serve did not start in 60 s: ${stderr}`)),
        60_000
      )
      server.stdout.on("data", (d: Buffer) => {
        stdout += d.toString()
        const line = stdout.split("\n")[0]
        if (!stdout.includes("\n") || line === undefined) return
        clearTimeout(timer)
        const started = JSON.parse(line) as { url?: string }
        if (started.url === undefined) failed(new Error(`ventureos serve printed ${line}`))
        else done(started.url)
      })
      server.on("exit", (code) => failed(new Error(`ventureos serve exited ${code}: ${stderr}`)))
    })
    const page = await fetch(`${url}/`)
    const html = await page.text()
    if (page.status !== 200 || !/<html/i.test(html))
      fail(`GET / answered ${page.status}: ${html.slice(0, 200)}`)
    const openapi = await fetch(`${url}/openapi.json`)
    if (openapi.status !== 200) fail(`GET /openapi.json answered ${openapi.status}`)
  } finally {
    server.kill("SIGTERM")
  }
  timings["installed ventureos serve"] = Math.round((performance.now() - serveStart) / 100) / 10

  process.stderr.write(`consumer: ok${keep ? ` (kept ${work})` : ""}\n`)
  process.stdout.write(`${JSON.stringify({ ok: true, timings, tarballBytes: sizes })}\n`)
  if (!keep) rmSync(work, { recursive: true, force: true })
} catch (e) {
  // the project stays on disk for a look at what failed
  process.stderr.write(
    `consumer test failed (project kept in ${work}): ${e instanceof Error ? e.message : String(e)}\n`
  )
  process.stdout.write(
    `${JSON.stringify({ ok: false, timings, error: e instanceof Error ? e.message : String(e) })}\n`
  )
  process.exitCode = 1
}
