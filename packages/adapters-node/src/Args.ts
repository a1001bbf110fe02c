/** Parsed command line: positionals and `--flag value` / `--flag=value` / boolean `--flag`. */
export interface Args {
  readonly command: string | undefined
  readonly positionals: ReadonlyArray<string>
  readonly flags: ReadonlyMap<string, string | true>
}

/** Parse argv (without node and script). Flags listed in `booleans` never take a value. */
export const parseArgs = (argv: ReadonlyArray<string>, booleans: ReadonlyArray<string> = []): Args => {
  const positionals: Array<string> = []
  const flags = new Map<string, string | true>()
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === "--") {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=")
      if (eq !== -1) flags.set(a.slice(2, eq), a.slice(eq + 1))
      else {
        const name = a.slice(2)
        const next = argv[i + 1]
        if (!booleans.includes(name) && next !== undefined && !next.startsWith("--")) {
          flags.set(name, next)
          i++
        } else flags.set(name, true)
      }
    } else positionals.push(a)
  }
  return { command: positionals[0], positionals: positionals.slice(1), flags }
}

/** A usage error: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError"
}

export const flagString = (args: Args, name: string): string | undefined => {
  const v = args.flags.get(name)
  if (v === true) throw new UsageError(`--${name} needs a value`)
  return v
}

/** The CLI contract: one JSON object per stdout line; the last one is the command's summary. */
export const emit = (o: unknown): void => {
  process.stdout.write(`${JSON.stringify(o)}\n`)
}
