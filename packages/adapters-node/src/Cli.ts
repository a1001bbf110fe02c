import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, resolve } from "node:path"
import {
  normalizeToFiles,
  pendingServing,
  syncEntityServing,
  syncPendingServing,
  updateEntities
} from "@ventureos/pipeline"
import { BrandConfig, ServingStore } from "@ventureos/serving"
import { Lakehouse } from "@ventureos/storage"
import type { RawArchive } from "@ventureos/storage/archive"
import { Cause, Effect, Exit, Layer, Schema } from "effect"
import { type Args, emit, flagString, parseArgs, UsageError } from "./Args"
import { runBackfillCommand } from "./commands/Backfill"
import { runBronze } from "./commands/Bronze"
import { NotFound, runEntities } from "./commands/Entities"
import { expandInputs, runIngest } from "./commands/Ingest"
import { runLake } from "./commands/Lake"
import { runStats, runTop } from "./commands/Query"
import { loadScoreKey, runServing } from "./commands/Serving"
import { count } from "./Format"
import { BOOLEAN_FLAGS, COMMANDS, checkFlags, commandHelp, usage } from "./Help"
import {
  archiveLayer,
  entityStoreLayer,
  lakeLayer,
  plainLakeLayer,
  servingLayer,
  ventureosHome
} from "./Layers"
import { makeProgress } from "./Progress"
import { defaultRegistry } from "./Registry"
import { samplePaths, samplesDir } from "./Samples"

const USAGE = usage()

export { ventureosHome }

const normalize = async (args: Args, paths: ReadonlyArray<string>, defaultOut: string): Promise<number> => {
  if (paths.length === 0) throw new UsageError("normalize needs at least one file")
  const out = resolve(flagString(args, "out") ?? defaultOut)
  const progress = makeProgress("normalize")
  const agency = flagString(args, "agency") ?? "auto"
  const { files, unrecognised } = await expandInputs(paths, defaultRegistry, agency)
  for (const u of unrecognised) process.stderr.write(`skipped ${u.file}: ${u.reason}\n`)
  if (files.length === 0)
    throw new UsageError(
      `no file to normalize: ${paths.join(", ")} holds no file a plugin recognises (${unrecognised.length} skipped; expected agency exports such as osha_violation.csv)`
    )
  const result = await Effect.runPromise(
    normalizeToFiles(files, {
      registry: defaultRegistry,
      agency,
      out,
      onProgress: (s) => progress.update(s.accepted + s.rejected + s.skipped)
    }).pipe(Effect.result)
  )
  if (result._tag === "Failure") {
    const e = result.failure
    process.stderr.write(`ventureos: ${e.message}\n`)
    emit({ ok: false, error: e._tag, file: e.file, reason: e.reason, expected: e.expected })
    return 2
  }
  const s = result.success
  progress.done(s.accepted + s.rejected + s.skipped)
  for (const f of s.files) {
    process.stderr.write(
      `  ${f.file}: ${f.dataset} (${f.role}) rows=${f.rows} accepted=${f.accepted} rejected=${f.rejected} skipped=${f.skipped}\n`
    )
  }
  process.stderr.write(`records -> ${s.out}\nrejects -> ${s.rejectsFile}\n`)
  emit({
    files: s.files.length,
    agency: s.agencies.length === 1 ? s.agencies[0] : s.agencies,
    rows: s.rows,
    accepted: s.accepted,
    rejected: s.rejected,
    skipped: s.skipped,
    lookupRejected: s.lookupRejected,
    out: s.out,
    rejectsFile: s.rejectsFile,
    unrecognised,
    perFile: s.files.map(({ path: _p, ...f }) => f)
  })
  return 0
}

type Summary = import("./commands/Ingest").IngestSummary
/** Score keys of companies to rescore besides the touched ones (see syncServing). */
type Rescore = ReadonlyArray<string>

/**
 * After an ingest: finish the serving work of every pending daily batch (this run's and any an earlier run
 * left: the outbox), i.e. live feed, stats, profiles and Top-10 lists. Historical backfills add none. A
 * failure leaves the work pending: one stderr line, `serving: {pending}` in the JSON line, exit 1.
 */
const afterIngestServing = (args: Args) => async (s: Summary, rescore?: Rescore) => {
  const daily = (flagString(args, "mode") ?? "historical") === "daily"
  const lake = lakeLayer()
  // the outbox is in the raw archive: listed without opening the lake (a historical run has no serving work)
  const pending = await Effect.runPromise(pendingServing.pipe(Effect.provide(archiveLayer())))
  const skipped = "skipped (historical): run ventureos serving rebuild"
  if (!daily) {
    process.stderr.write(
      "serving: not updated by a historical ingest; run `ventureos serving rebuild` to show this data in the API and the dashboards\n"
    )
    if (pending.length === 0) return { serving: skipped }
    process.stderr.write(
      `serving: finishing ${count(pending.length, "pending daily batch", "pending daily batches")} of earlier runs\n`
    )
  }
  const started = Date.now()
  let stepStarted: number | undefined
  const what = {
    feed: (n: number) => `the live feed of ${count(n, "violation")}`,
    company: (n: number) =>
      `totals, profiles, histories and search entries of ${count(n, "company", "companies")}`,
    city: (n: number) => `… of ${count(n, "city", "cities")}`,
    state: (n: number) => `… of ${count(n, "state")}`,
    "top-lists": (n: number) => `the Top-10 lists of ${count(n, "scope")}`,
    scores: (n: number) => `the offender scores of ${count(n, "company", "companies")} and their leaderboards`
  } as const
  const finishStep = () => {
    if (stepStarted !== undefined)
      process.stderr.write(`  done (${((Date.now() - stepStarted) / 1000).toFixed(1)} s)\n`)
    stepStarted = undefined
  }
  const scoreKey = await loadScoreKey()
  const exit = await Effect.runPromiseExit(
    syncPendingServing({
      fresh: s.results,
      ...(scoreKey === undefined ? {} : { scoreKey }),
      ...(rescore === undefined ? {} : { rescore }),
      onStep: (st) => {
        finishStep()
        if (st.items === 0) return
        process.stderr.write(`serving: writing ${what[st.step](st.items)}…\n`)
        stepStarted = Date.now()
      }
    }).pipe(Effect.provide(Layer.merge(lake, servingLayer())))
  )
  finishStep()
  if (Exit.isFailure(exit)) {
    const failed = await servingFailure(exit.cause, lake)
    process.stderr.write(
      `ventureos: serving sync failed: ${failed.error}; the lake is committed and the serving work of ${count(failed.pending, "batch", "batches")} is pending: run ventureos serving sync\n`
    )
    return { serving: { pending: failed.pending, error: failed.error }, exitCode: 1 }
  }
  const report = exit.value
  process.stderr.write(
    `serving: ${count(report.feedWrites, "feed write")} for ${count(report.feedViolations, "violation")}, ${count(report.statsWritten, "stats item")} written, ${count(report.topListsWritten, "top list")} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`
  )
  return daily ? { serving: report } : { serving: skipped, pendingServing: report }
}

/**
 * After an ingest (daily or historical): resolve the names silver has that the entity map does not (only those
 * are scored), so gold, serving and Top-N roll up by company; then the serving work.
 */
const afterIngest = (args: Args) => async (s: import("./commands/Ingest").IngestSummary) => {
  // A daily batch hands over its changed records (the feed needs them anyway): only their names are looked up,
  // so the cost follows the file, not the history. A historical (vectorized) batch builds no records in
  // JavaScript: its names are read from silver.
  const daily = (flagString(args, "mode") ?? "historical") === "daily"
  const records = daily ? s.results.flatMap((r) => (r.status === "ingested" ? r.changed : [])) : undefined
  const exit = await Effect.runPromiseExit(
    updateEntities({
      agencies: ["osha", "epa", "faa"],
      batches: s.results,
      ...(records === undefined ? {} : { records })
    }).pipe(Effect.provide(plainLakeLayer()))
  )
  const entities = Exit.isSuccess(exit)
    ? { ...exit.value, moved: exit.value.moved.length }
    : { error: String(Cause.squash(exit.cause)) }
  if (Exit.isSuccess(exit))
    process.stderr.write(
      `entities: ${count(exit.value.newVariants, "new name")} resolved (${exit.value.compared} comparisons): ${count(exit.value.variants, "name")} in ${count(exit.value.companies, "company", "companies")}\n`
    )
  else
    process.stderr.write(
      `entities: the entity map was not updated: ${entities.error} (run ventureos entities update)\n`
    )
  // a name the map moved counts under another company now: both companies' scores change
  const rescore = Exit.isSuccess(exit)
    ? exit.value.moved.flatMap((m) =>
        m.from === null ? [`COMPANY#${m.to}`] : [`COMPANY#${m.from}`, `COMPANY#${m.to}`]
      )
    : []
  const serving = await afterIngestServing(args)(s, rescore)
  if ((flagString(args, "mode") ?? "historical") === "daily" && Exit.isSuccess(exit)) {
    // old keys of merged names answer as their company; merged companies' profiles list their names
    const written = await Effect.runPromiseExit(
      syncEntityServing().pipe(Effect.provide(Layer.merge(entityStoreLayer(), servingLayer())))
    )
    if (Exit.isFailure(written))
      process.stderr.write(
        `entities: aliases not written: ${String(Cause.squash(written.cause)).split("\n")[0]} (run ventureos serving rebuild)\n`
      )
  }
  return { ...serving, entities }
}

/** A failed serving sync as one line (no stack: the store's own message) and the batches still pending. */
const servingFailure = async (
  cause: Cause.Cause<unknown>,
  lake: Layer.Layer<RawArchive>
): Promise<{ error: string; pending: number }> => {
  const e = Cause.squash(cause)
  const error = (e instanceof Error ? e.message : String(e)).split("\n")[0]!.slice(0, 300)
  const pending = await Effect.runPromise(
    pendingServing.pipe(
      Effect.map((p) => p.length),
      Effect.orElseSucceed(() => -1),
      Effect.provide(lake)
    )
  )
  return { error, pending }
}

/** `ventureos sql "<query>"`: one JSON object per row on stdout. */
const runSql = async (args: Args): Promise<number> => {
  const text = args.positionals.join(" ").trim()
  if (text === "")
    throw new UsageError('sql needs a query, e.g. ventureos sql "SELECT count(*) FROM silver.violations"')
  const result = await Effect.runPromise(
    Effect.gen(function* () {
      const lake = yield* Lakehouse
      yield* lake.ensureSilverTables
      yield* lake.refreshViews
      // DuckDB's SHOW TABLES lists the default schema only; the lake's views live in silver and gold.
      return yield* lake.queryJson(
        /^\s*show\s+tables\s*;?\s*$/i.test(text)
          ? "SELECT table_schema AS schema, table_name AS name, table_schema || '.' || table_name AS qualified FROM information_schema.tables WHERE table_schema IN ('silver', 'gold') ORDER BY 1, 2"
          : text
      )
    }).pipe(Effect.provide(lakeLayer()), Effect.result)
  )
  if (result._tag === "Failure") {
    process.stderr.write(`ventureos: ${result.failure.message}\n`)
    return 2
  }
  for (const row of result.success) process.stdout.write(`${JSON.stringify(row)}\n`)
  process.stderr.write(`${result.success.length} row(s)\n`)
  return 0
}

/** The example brands bundled with the samples (`samples/brands/*.json`), decoded. */
export const sampleBrands = (): Array<BrandConfig> => {
  const dir = join(samplesDir(), "brands")
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => Schema.decodeUnknownSync(BrandConfig)(JSON.parse(readFileSync(join(dir, f), "utf8"))))
}

/** Newest modification time under `path` (a file or a folder, recursively); 0 when it does not exist. */
const newest = (path: string): number => {
  if (!existsSync(path)) return 0
  const st = statSync(path)
  if (!st.isDirectory()) return st.mtimeMs
  return readdirSync(path).reduce((m, f) => Math.max(m, newest(join(path, f))), st.mtimeMs)
}

/**
 * In a source checkout, build the dashboards (`vite build` of @ventureos/web, ~1 s) when their build is
 * missing or older than their sources. Its output goes to stderr: stdout stays JSON. An installed package
 * ships only `dist`, so nothing is rebuilt there. Returns a line to print when the build failed.
 */
const ensureWebBuild = (): string | undefined => {
  let pkg: string
  try {
    pkg = createRequire(import.meta.url).resolve("@ventureos/web/package.json")
  } catch {
    return undefined
  }
  const root = dirname(pkg)
  if (!existsSync(join(root, "src"))) return undefined
  const sources = ["src", "public", "index.html", "vite.config.ts", "package.json"].map((p) => join(root, p))
  const built = newest(join(root, "dist", "index.html"))
  if (built > 0 && Math.max(...sources.map(newest)) <= built) return undefined
  process.stderr.write("building the dashboards (packages/web)\n")
  const vite = join(dirname(createRequire(pkg).resolve("vite/package.json")), "bin", "vite.js")
  const r = spawnSync(process.execPath, [vite, "build", "--logLevel", "error"], {
    cwd: root,
    stdio: ["ignore", process.stderr, process.stderr]
  })
  return r.status === 0
    ? undefined
    : `dashboard build failed (exit ${r.status ?? r.signal}); serving the API only`
}

/**
 * The main job on embedded defaults: ingest the bundled real sample files as a daily upload (bronze →
 * silver → gold → serving store on an embedded dynalite), store the example brands, then serve the API
 * and the dashboards and print URLs to try. `--no-serve` stops after the ingest (the last stdout line is
 * then the ingest summary).
 */
const demo = async (args: Args): Promise<number> => {
  const home = ventureosHome()
  process.stderr.write(
    `VentureOS demo (home: ${home})\n1/3 ingesting the bundled real sample files (daily)\n`
  )
  const demoArgs: Args = {
    command: "ingest",
    positionals: samplePaths(),
    flags: new Map([...args.flags, ["mode", "daily"]])
  }
  const code = await runIngest(
    demoArgs,
    defaultRegistry,
    lakeLayer(home),
    afterIngest(demoArgs),
    archiveLayer(home)
  )
  if (code !== 0) return code
  // Writing a brand replaces it: running the demo again stores the same configs.
  const brands = sampleBrands()
  await Effect.runPromise(
    Effect.gen(function* () {
      const store = yield* ServingStore
      for (const b of brands) yield* store.putBrand(b)
    }).pipe(Effect.provide(servingLayer(home)))
  )
  process.stderr.write(`2/3 brands stored: ${brands.map((b) => `${b.name} (${b.id})`).join(", ")}\n`)
  process.stderr.write(
    `More to try (in another terminal):\n  pnpm ventureos top --scope national --by penalties\n  pnpm ventureos stats state ca\n  pnpm ventureos sql "SELECT agency, count(*) n FROM silver.violations GROUP BY agency"\n`
  )
  if (args.flags.has("no-serve")) return 0
  if (!args.flags.has("web")) {
    const failed = ensureWebBuild()
    if (failed !== undefined) process.stderr.write(`${failed}\n`)
  }
  process.stderr.write("3/3 serving the dashboards and the API (Ctrl-C to stop)\n")
  return await (await import("./Serve")).serveCommand(args)
}

/** What a failure the user can act on looks like: one stderr line and the exit code (2 input, 1 failure). */
const explain = (e: unknown): { message: string; code: 1 | 2 } | undefined => {
  if (e instanceof UsageError) return { message: e.message, code: 2 }
  if (e instanceof NotFound) return { message: e.message, code: 1 }
  const err = e as { code?: unknown; path?: unknown; _tag?: unknown; reason?: unknown; message?: unknown }
  if (typeof err.code === "string" && typeof err.path === "string") {
    const what: Record<string, string> = {
      ENOENT: "no such file or folder",
      EISDIR: "is a folder, expected a file",
      ENOTDIR: "not a folder",
      EACCES: "permission denied"
    }
    const text = what[err.code]
    if (text !== undefined) return { message: `${err.path}: ${text}`, code: 2 }
  }
  if (err._tag === "ServingStoreError" && (err.reason === "InvalidKey" || err.reason === "InvalidInput"))
    return { message: String(err.message), code: 2 }
  return undefined
}

/** Run the CLI; returns the exit code. */
export const runCli = async (argv: ReadonlyArray<string>): Promise<number> => {
  // `pnpm start -- --port 8080` hands the script a bare `--` after the command: it ends nothing here.
  const tokens = argv[1] === "--" ? [argv[0]!, ...argv.slice(2)] : [...argv]
  const args = parseArgs(
    tokens.map((a) => (a === "-h" ? "--help" : a)),
    BOOLEAN_FLAGS
  )
  if (args.flags.has("help") || args.command === "help") {
    const topic = args.command === "help" ? args.positionals[0] : args.command
    process.stdout.write(`${topic === undefined ? USAGE : commandHelp(topic)}\n`)
    return topic === undefined || COMMANDS[topic] !== undefined ? 0 : 2
  }
  try {
    checkFlags(args)
    switch (args.command) {
      case "normalize":
        return await normalize(args, args.positionals, join(ventureosHome(), "normalized", "records.jsonl"))
      case "ingest":
        return await runIngest(args, defaultRegistry, lakeLayer(), afterIngest(args), archiveLayer())
      case "backfill":
        return await runBackfillCommand(args, defaultRegistry, lakeLayer())
      case "top":
        return await runTop(args, lakeLayer())
      case "stats":
        return await runStats(args, lakeLayer())
      case "entities":
        return await runEntities(args, () => lakeLayer())
      case "sql":
        return await runSql(args)
      case "serving":
        return await runServing(args, servingLayer(), () => lakeLayer())
      case "bronze":
        return await runBronze(args)
      case "lake":
        return await runLake(args, lakeLayer())
      case "serve":
        return await (await import("./Serve")).serveCommand(args)
      case "demo":
        return await demo(args)
      case undefined:
        process.stderr.write(`${USAGE}\n`)
        return 2
      default:
        throw new UsageError(`unknown command "${args.command}"`)
    }
  } catch (e) {
    const known = explain(e)
    const hint =
      args.command !== undefined && COMMANDS[args.command] !== undefined
        ? ` (ventureos ${args.command} --help)`
        : " (ventureos --help)"
    if (known !== undefined) {
      process.stderr.write(`ventureos: ${known.message}${known.code === 2 ? hint : ""}\n`)
      return known.code
    }
    const message = e instanceof Error ? e.message : String(e)
    process.stderr.write(
      args.flags.has("verbose")
        ? `ventureos: ${e instanceof Error ? (e.stack ?? message) : message}\n`
        : `ventureos: ${message.split("\n")[0]} (--verbose shows the stack trace)\n`
    )
    return 1
  }
}
