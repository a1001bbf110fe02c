import { join, resolve } from "node:path"
import { normalizeToFiles } from "@ventureos/pipeline"
import { Effect } from "effect"
import { type Args, flagString, parseArgs, UsageError } from "./Args"
import { makeProgress } from "./Progress"
import { defaultRegistry } from "./Registry"
import { samplePaths } from "./Samples"

const USAGE = `usage: ventureos <command> [options]

commands:
  normalize <file>... [--agency auto|osha|epa|faa] [--out records.jsonl]
      normalize raw agency files into unified records (JSON Lines) and a rejects file
  demo
      normalize the bundled real sample files and print a summary

Human output goes to stderr; the last line of stdout is a JSON summary.
Environment: VENTUREOS_HOME (default ./.ventureos) holds local state.`

/** `$VENTUREOS_HOME`, default `./.ventureos`. */
export const ventureosHome = (): string => resolve(process.env.VENTUREOS_HOME ?? ".ventureos")

const emit = (summary: unknown) => process.stdout.write(`${JSON.stringify(summary)}\n`)

const normalize = async (args: Args, paths: ReadonlyArray<string>, defaultOut: string): Promise<number> => {
  if (paths.length === 0) throw new UsageError("normalize needs at least one file")
  const out = resolve(flagString(args, "out") ?? defaultOut)
  const progress = makeProgress("normalize")
  const agency = flagString(args, "agency") ?? "auto"
  const result = await Effect.runPromise(
    normalizeToFiles(paths, {
      registry: defaultRegistry,
      agency,
      out,
      onProgress: (s) => progress.update(s.accepted + s.rejected + s.skipped)
    }).pipe(Effect.result)
  )
  if (result._tag === "Failure") {
    process.stderr.write(`ventureos: ${result.failure.message}\n`)
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
    perFile: s.files.map(({ path: _p, ...f }) => f)
  })
  return 0
}

/** Run the CLI; returns the exit code. */
export const runCli = async (argv: ReadonlyArray<string>): Promise<number> => {
  const args = parseArgs(argv, ["help"])
  try {
    switch (args.command) {
      case "normalize":
        return await normalize(args, args.positionals, join(ventureosHome(), "normalized", "records.jsonl"))
      case "demo": {
        process.stderr.write("VentureOS demo: normalizing the bundled real sample files\n")
        return await normalize(args, samplePaths(), join(ventureosHome(), "demo", "records.jsonl"))
      }
      case undefined:
      case "help":
        process.stderr.write(`${USAGE}\n`)
        return args.command === undefined ? 2 : 0
      default:
        throw new UsageError(`unknown command "${args.command}"`)
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`ventureos: ${e.message}\n${USAGE}\n`)
      return 2
    }
    throw e
  }
}
