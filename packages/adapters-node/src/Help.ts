import { type Args, UsageError } from "./Args"

/** One command's usage, its flags and an example (`ventureos <command> --help`). */
export interface CommandHelp {
  readonly usage: string
  readonly summary: string
  /** Flag name -> description; boolean flags never take a value. */
  readonly flags: Readonly<Record<string, { readonly text: string; readonly boolean?: true }>>
  readonly examples: ReadonlyArray<string>
  /** Extra paragraphs (subcommands, environment). */
  readonly notes?: string
}

const common = {
  help: { text: "show this help and exit", boolean: true },
  verbose: { text: "print the stack trace of an unexpected failure", boolean: true }
} as const

/** Every command of the CLI, in the order the usage lists them. */
export const COMMANDS: Readonly<Record<string, CommandHelp>> = {
  normalize: {
    usage: "ventureos normalize <file|dir>... [--agency auto|osha|epa|faa] [--out records.jsonl]",
    summary: "raw agency files -> unified records (JSON Lines) and a rejects file",
    flags: {
      agency: { text: "the agency plugin to use (default auto: recognised by the header)" },
      out: { text: "where to write the records (default $VENTUREOS_HOME/normalized/records.jsonl)" }
    },
    examples: ["ventureos normalize osha_inspection.csv osha_violation.csv --out /tmp/osha.jsonl"]
  },
  ingest: {
    usage:
      "ventureos ingest <file|dir>... [--mode daily|historical] [--agency auto|osha|epa|faa] [--date yyyy-mm-dd]",
    summary:
      "archive raw files in bronze, upsert silver (Iceberg), append gold deltas; daily also updates the serving store",
    flags: {
      mode: { text: "daily (also refreshes the live feed, stats and Top-10 lists) or historical (default)" },
      agency: { text: "the agency plugin to use (default auto)" },
      date: { text: "the bronze partition date, a real calendar date yyyy-mm-dd (default today)" }
    },
    examples: [
      "ventureos ingest ./downloads --mode daily",
      "ventureos ingest osha_violation.csv osha_inspection.csv --date 2024-06-30"
    ],
    notes: "Folders are walked recursively; files no plugin recognises are listed in the summary and skipped."
  },
  backfill: {
    usage:
      "ventureos backfill <file|dir>... [--workers 4] [--split-rows 250000] [--agency auto|osha|…] [--date yyyy-mm-dd]",
    summary:
      "a historical catalog in parallel: split into work items, worker processes write silver files, one commit per table",
    flags: {
      workers: { text: "worker processes at a time (default 4)" },
      "split-rows": { text: "data rows per work item (default 250000)" },
      agency: { text: "the agency plugin to use (default auto)" },
      date: { text: "the bronze partition date, a real calendar date yyyy-mm-dd (default today)" },
      run: { text: "(worker mode, used by the command itself) the run id of --item" },
      item: { text: "(worker mode) run this one work item of --run and print its result" }
    },
    examples: [
      "ventureos backfill osha_violation.csv osha_inspection.csv --workers 4",
      "ventureos backfill ./catalog --workers 8 --split-rows 100000"
    ],
    notes:
      "Same result as `ingest --mode historical` of the same files. Interrupted? Run the same command again: finished work items are kept, nothing is committed twice. Duplicates across splits are run again as one item; the same violation id in two records files is refused (use ingest)."
  },
  top: {
    usage:
      "ventureos top [--scope national|state:TX|city:<slug>] [--by count|penalties] [--agency osha] [--limit 10]",
    summary: "Top-N companies, answered from gold",
    flags: {
      scope: { text: "national (default), state:<ST> or city:<city-slug>" },
      by: { text: "count (default) or penalties" },
      agency: { text: "an agency id, or all (default)" },
      limit: { text: "how many companies (default 10)" }
    },
    examples: ["ventureos top --scope state:CA --by penalties --agency osha"]
  },
  stats: {
    usage: "ventureos stats company|city|state <slug>",
    summary: "current totals of one entity, per agency and all",
    flags: {},
    examples: ["ventureos stats state ca", "ventureos stats city chino-ca"]
  },
  entities: {
    usage:
      "ventureos entities resolve <file.csv>|update|suggest [--limit 20]|merge <from> <into>|split <name>|parent <company> <parent|none>|rename <company> <name>|show <key>",
    summary:
      "who is who: name variants -> facilities -> companies -> parents, and the operator's corrections",
    flags: {
      limit: { text: "suggest: how many pairs to list (default 20)" }
    },
    examples: [
      "ventureos entities resolve names.csv",
      "ventureos entities show ca-corrections-and-rehabilitation",
      "ventureos entities merge salinas-valley-state-prison ca-corrections-and-rehabilitation",
      "ventureos entities split kroger-343"
    ],
    notes:
      "resolve reads a CSV with a header name,address,city,state,zip (and optional agency, naics) and prints one\n" +
      'JSON line per row: {"name","company","facility","parent","score","reason"}, resolved against the lake as\n' +
      "ingest would (nothing is stored). Every ingest updates the map: only names new to it are scored.\n" +
      "merge, split, parent and rename are overrides, kept in $VENTUREOS_HOME/lake/entities/overrides.jsonl and\n" +
      "replayed on every update; the API and the dashboards show them after `ventureos serving rebuild`.\n" +
      "Keys are company slugs (COMPANY#<slug> also accepted); show explains why each name joined its company."
  },
  sql: {
    usage: 'ventureos sql "<query>"',
    summary: "DuckDB SQL over the silver.* / gold.* views; one JSON object per result row",
    flags: {},
    examples: ['ventureos sql "SELECT agency, count(*) n FROM silver.violations GROUP BY agency"']
  },
  serving: {
    usage:
      "ventureos serving setup|tables|rebuild|feed <key>|entity <key>|brand get <id>|put <file>|delete <id>|list|import <file>",
    summary: "the DynamoDB serving store (embedded dynalite unless AWS_ENDPOINT_URL_DYNAMODB is set)",
    flags: {
      restart: { text: "rebuild: ignore an interrupted rebuild's checkpoint and start over", boolean: true }
    },
    examples: [
      "ventureos serving rebuild",
      "ventureos serving entity COMPANY#walmart-stores",
      "ventureos serving feed STATE#ca",
      "ventureos serving brand put packages/adapters-node/samples/brands/oshatrail.json"
    ],
    notes:
      "rebuild (alias: sync) writes stats, profiles, histories, search entries and Top-10 lists of everything in\n" +
      "gold, in resumable batches: run it after a historical ingest. Live feeds hold daily uploads only.\n" +
      "Entity keys: COMPANY#<slug>, CITY#<city>-<st>, STATE#<st>. A brand file is the JSON of a brand config\n" +
      "(id, name, domain, colors {primary, secondary, accent, background, text}, layout\n" +
      "dashboard|feed|leaderboard|map, navigation [{label, href}], agencies, updated_at); see the README."
  },
  bronze: {
    usage: "ventureos bronze lifecycle [--prefix p] [--apply --bucket <raw bucket>]",
    summary:
      "the raw archive's S3 lifecycle / Intelligent-Tiering configuration (printed, or applied in AWS)",
    flags: {
      prefix: { text: "key prefix of the archive in the bucket" },
      apply: { text: "apply it to the bucket in AWS", boolean: true },
      bucket: { text: "the raw bucket (with --apply)" }
    },
    examples: ["ventureos bronze lifecycle", "ventureos bronze lifecycle --apply --bucket my-raw-bucket"]
  },
  lake: {
    usage: "ventureos lake migrate",
    summary:
      "bring a lake written by an older version to today's rows (content hash v2, derivation v2) and gold, once; resumable",
    flags: {},
    examples: ["ventureos lake migrate"],
    notes:
      "Each silver table is rewritten as one snapshot, then marked with its version: a second run (or one resumed after an interruption) skips what is done; an ingest into a table not at content hash v2 fails and names this command. Derivation v2 (issue 12 decisions 1-2): OSHA current penalties left blank by OSHA become unknown (they were stored as the initial penalty) and EPA records get their action id (ENF_IDENTIFIER / CaseNumber), both from the details each record kept; then gold is rebuilt from silver (one snapshot per gold table), so each EPA action is counted once and unknown current penalties are counted as such. Run it with ingests stopped."
  },
  serve: {
    usage: "ventureos serve [--port 8787] [--host 127.0.0.1] [--web <dir>]",
    summary: "the API v2 and the dashboards as a Node server (/, /api/*, /openapi.json, /docs)",
    flags: {
      port: { text: "port to listen on (default 8787, 0 picks a free one)" },
      host: { text: "address to bind (default 127.0.0.1)" },
      web: { text: "folder of the built dashboards (default: the bundled build)" }
    },
    examples: ["ventureos serve --port 8080"],
    notes:
      "Summaries: VENTUREOS_SUMMARY_PROVIDER=extractive (default, offline) | bedrock | openai.\n" +
      "Runs until Ctrl-C; other commands of the same $VENTUREOS_HOME keep working meanwhile."
  },
  demo: {
    usage: "ventureos demo [--port 8787] [--no-serve]",
    summary:
      "the main job on embedded defaults: ingest the bundled real samples (daily), sync serving, serve API + dashboards",
    flags: {
      port: { text: "port to serve on (default 8787)" },
      host: { text: "address to bind (default 127.0.0.1)" },
      web: { text: "folder of the built dashboards (default: the bundled build)" },
      "no-serve": { text: "stop after the ingest", boolean: true }
    },
    examples: ["ventureos demo", "ventureos demo --no-serve"]
  }
}

/** Flags that never take a value, for the argument parser. */
export const BOOLEAN_FLAGS: ReadonlyArray<string> = [
  ...new Set(
    Object.values(COMMANDS).flatMap((c) =>
      Object.entries({ ...c.flags, ...common })
        .filter(([, f]) => f.boolean === true)
        .map(([n]) => n)
    )
  )
]

/** The top-level usage. */
export const usage = (): string =>
  [
    "usage: ventureos <command> [options]    (ventureos <command> --help for its flags and examples)",
    "",
    "commands:",
    ...Object.entries(COMMANDS).flatMap(([, c]) => [
      `  ${c.usage.slice("ventureos ".length)}`,
      `      ${c.summary}`
    ]),
    "",
    "Human output goes to stderr; the last line of stdout is a JSON summary.",
    "Exit codes: 0 ok, 1 not found / failure, 2 usage or input error.",
    "Environment: VENTUREOS_HOME (default ./.ventureos) holds local state."
  ].join("\n")

/** One command's help. */
export const commandHelp = (name: string): string => {
  const c = COMMANDS[name]
  if (c === undefined) return usage()
  const flags = Object.entries({ ...c.flags, ...common })
  const width = Math.max(...flags.map(([n]) => n.length)) + 4
  return [
    `usage: ${c.usage}`,
    "",
    c.summary,
    ...(c.notes === undefined ? [] : ["", c.notes]),
    "",
    "flags:",
    ...flags.map(([n, f]) => `  ${`--${n}`.padEnd(width)}${f.text}`),
    "",
    "examples:",
    ...c.examples.map((e) => `  ${e}`)
  ].join("\n")
}

/** Fail with a usage error naming the first flag `command` does not know. */
export const checkFlags = (args: Args): void => {
  const c = args.command === undefined ? undefined : COMMANDS[args.command]
  if (c === undefined) return
  const known = { ...c.flags, ...common }
  for (const [name, value] of args.flags) {
    const f = known[name as keyof typeof known]
    if (f === undefined)
      throw new UsageError(
        `unknown flag --${name} for ${args.command} (flags: ${Object.keys(c.flags)
          .map((n) => `--${n}`)
          .join(", ")})`
      )
    if (f.boolean !== true && value === true) throw new UsageError(`--${name} needs a value`)
  }
}
