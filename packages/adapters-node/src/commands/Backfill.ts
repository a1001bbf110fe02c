import { spawn } from "node:child_process"
import type { Registry } from "@ventureos/normalizers"
import {
  BackfillError,
  type BackfillFailure,
  type BackfillItem,
  type BackfillPlan,
  type BackfillRunner,
  loadBackfillPlan,
  runBackfill,
  runBackfillItem,
  type Warehouse
} from "@ventureos/pipeline"
import type { Lakehouse } from "@ventureos/storage"
import type { RawArchive } from "@ventureos/storage/archive"
import { Effect, type Layer } from "effect"
import { type Args, emit, flagString, UsageError } from "../Args"
import { expandInputs, isCalendarDate } from "./Ingest"

/** An integer flag of at least `min`, or a usage error naming it. */
const intFlag = (args: Args, name: string, fallback: number, min = 1): number => {
  const v = flagString(args, name)
  if (v === undefined) return fallback
  if (!/^\d+$/.test(v) || Number(v) < min)
    throw new UsageError(`--${name} must be an integer of at least ${min}, got "${v}"`)
  return Number(v)
}

interface WorkerOutcome {
  readonly item: number
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly ms: number
  readonly lastError: string
}

/** Run one item in a child process: this same CLI with `--run <id> --item <k>` (the worker mode). */
const runChild = (runId: string, item: BackfillItem): Promise<WorkerOutcome> =>
  new Promise((resolve) => {
    const started = Date.now()
    const child = spawn(
      process.execPath,
      [...process.execArgv, process.argv[1]!, "backfill", "--run", runId, "--item", String(item.index)],
      { env: process.env, stdio: ["ignore", "ignore", "pipe"] }
    )
    process.stderr.write(`  worker ${child.pid}: item ${item.index} (rows ${item.from}-${item.to - 1})\n`)
    let err = ""
    child.stderr?.on("data", (d: Buffer) => {
      err = (err + d.toString()).slice(-2000)
    })
    child.on("close", (code, signal) =>
      resolve({
        item: item.index,
        code,
        signal,
        ms: Date.now() - started,
        lastError: err.trim().split("\n").at(-1) ?? ""
      })
    )
  })

/**
 * Items run by `workers` child processes at a time; an item whose worker died or failed is run once more by a
 * fresh process (a worker's output is invisible until the commit, so a rerun is harmless). Items still failing
 * fail the run; running the command again resumes it.
 */
const childRunner =
  (workers: number, times: Array<number>): BackfillRunner =>
  (plan: BackfillPlan, items: ReadonlyArray<BackfillItem>) =>
    Effect.gen(function* () {
      const failed = yield* Effect.promise(async () => {
        const queue = [...items]
        const bad: Array<WorkerOutcome> = []
        const tries = new Map<number, number>()
        const lane = async () => {
          for (let it = queue.shift(); it !== undefined; it = queue.shift()) {
            const o = await runChild(plan.runId, it)
            if (o.code === 0) {
              times.push(o.ms)
              process.stderr.write(`  item ${it.index}: done in ${(o.ms / 1000).toFixed(1)} s\n`)
              continue
            }
            const n = (tries.get(it.index) ?? 0) + 1
            tries.set(it.index, n)
            process.stderr.write(
              `  item ${it.index}: worker ${o.signal === null ? `exited ${o.code}` : `killed (${o.signal})`}${o.lastError === "" ? "" : `: ${o.lastError}`}${n < 2 ? "; running it again" : ""}\n`
            )
            if (n < 2) queue.push(it)
            else bad.push(o)
          }
        }
        await Promise.all(Array.from({ length: Math.min(workers, Math.max(1, items.length)) }, lane))
        return bad
      })
      if (failed.length > 0)
        return yield* new BackfillError({
          runId: plan.runId,
          reason: `work item ${failed.map((f) => f.item).join(", ")} failed twice (${failed[0]!.lastError || `exit ${failed[0]!.code ?? failed[0]!.signal}`}); run the same command again to resume`
        })
    })

/** The worker mode: run one item of a planned run, print its result (data-file metadata) as the JSON line. */
const runWorker = async (
  args: Args,
  registry: Registry,
  layer: Layer.Layer<RawArchive | Warehouse | Lakehouse>
): Promise<number> => {
  const runId = flagString(args, "run")
  if (runId === undefined || !/^[0-9a-f]{24}$/.test(runId))
    throw new UsageError(`--run must be a backfill run id (24 hex digits), got "${runId ?? ""}"`)
  const item = intFlag(args, "item", 0, 0)
  const result = await Effect.runPromise(
    Effect.flatMap(loadBackfillPlan(runId), (plan) => runBackfillItem(plan, item, { registry })).pipe(
      Effect.provide(layer),
      Effect.result
    )
  )
  if (result._tag === "Failure") return fail(result.failure)
  emit(result.success)
  return 0
}

const fail = (e: BackfillFailure): number => {
  process.stderr.write(`ventureos: ${e.message}\n`)
  emit({ ok: false, error: e._tag, message: e.message })
  return e._tag === "UnusableFileError" || e._tag === "BackfillError" ? 2 : 1
}

/**
 * `ventureos backfill <file|dir>... [--workers 4] [--split-rows 250000] [--agency auto|…] [--date yyyy-mm-dd]`:
 * the distributed backfill on one machine (worker processes; the same planner, workers and committer run as a
 * Step Functions Distributed Map in AWS).
 */
export const runBackfillCommand = async (
  args: Args,
  registry: Registry,
  layer: Layer.Layer<RawArchive | Warehouse | Lakehouse>
): Promise<number> => {
  if (args.flags.has("item")) return runWorker(args, registry, layer)
  if (args.positionals.length === 0) throw new UsageError("backfill needs at least one file or directory")
  const workers = intFlag(args, "workers", 4)
  const splitRows = intFlag(args, "split-rows", 250_000)
  const date = flagString(args, "date")
  if (date !== undefined && !isCalendarDate(date))
    throw new UsageError(`--date must be a real calendar date yyyy-mm-dd, got "${date}"`)
  const agency = flagString(args, "agency") ?? "auto"
  const { files, unrecognised } = await expandInputs(args.positionals, registry, agency)
  for (const u of unrecognised) process.stderr.write(`skipped ${u.file}: ${u.reason}\n`)
  if (files.length === 0)
    throw new UsageError(
      `no file to backfill: ${args.positionals.join(", ")} holds no file a plugin recognises (${unrecognised.length} skipped; expected agency exports such as osha_violation.csv)`
    )
  const started = Date.now()
  const times: Array<number> = []
  const result = await Effect.runPromise(
    runBackfill(files, {
      registry,
      agency,
      splitRows,
      ...(date === undefined ? {} : { date }),
      runner: childRunner(workers, times),
      onPlan: (plan, pending) =>
        process.stderr.write(
          `backfill ${plan.runId}: ${plan.items.length} work items of ${splitRows} rows, ${pending} to run, ${workers} workers\n`
        )
    }).pipe(Effect.provide(layer), Effect.result)
  )
  if (result._tag === "Failure") return fail(result.failure)
  const s = result.success
  const sorted = [...times].sort((a, b) => a - b)
  process.stderr.write(
    `backfill ${s.runId}: ${s.status}; rows=${s.counts.rows} accepted=${s.counts.accepted} rejected=${s.counts.rejected} skipped=${s.counts.skipped} inserted=${s.counts.inserted} updated=${s.counts.updated}; ${s.dataFiles} data files committed in ${s.commitMs} ms\n` +
      "entities and serving: not updated by a backfill; run `ventureos entities update`, then `ventureos serving rebuild`, to show this data in the API and the dashboards\n"
  )
  emit({
    ...s,
    workers,
    splitRows,
    wallMs: Date.now() - started,
    itemMs:
      sorted.length === 0
        ? null
        : {
            n: sorted.length,
            min: sorted[0],
            median: sorted[Math.floor(sorted.length / 2)],
            max: sorted.at(-1)
          },
    unrecognised
  })
  return 0
}
