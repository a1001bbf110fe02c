import { moneyFromCents, TopScope } from "@ventureos/core"
import { type EntityKind, totalsToStats, Warehouse } from "@ventureos/pipeline"
import { Effect, type Layer, Schema } from "effect"
import { type Args, emit, flagString, UsageError } from "../Args"
import { count, fit, money } from "../Format"

/** `ventureos top --scope national|state:TX|city:<slug> --by count|penalties [--agency osha] [--limit 10]`. */
export const runTop = async (args: Args, layer: Layer.Layer<Warehouse>): Promise<number> => {
  const scope = flagString(args, "scope") ?? "national"
  if (!Schema.is(TopScope)(scope)) {
    throw new UsageError(
      `--scope must be national, state:<ST> (e.g. state:TX) or city:<city-slug> (e.g. city:austin-tx), got "${scope}"`
    )
  }
  const by = flagString(args, "by") ?? "count"
  if (by !== "count" && by !== "penalties")
    throw new UsageError(`--by must be count or penalties, got "${by}"`)
  const agency = flagString(args, "agency") ?? "all"
  if (!/^(all|[a-z][a-z0-9_]{1,31})$/.test(agency))
    throw new UsageError(`--agency must be all or an agency id, got "${agency}"`)
  const limitRaw = flagString(args, "limit") ?? "10"
  const limit = Number(limitRaw)
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new UsageError(`--limit must be 1..1000, got "${limitRaw}"`)
  const rows = await Effect.runPromise(
    Effect.flatMap(Warehouse, (w) => w.goldTop({ scope, by, agency, limit })).pipe(Effect.provide(layer))
  )
  const entries = rows.map((r, i) => ({
    rank: i + 1,
    entity_key: r.entity_key,
    name: r.name,
    violation_count: r.violation_count,
    penalty_current_total: moneyFromCents(r.penalty_current_cents)
  }))
  process.stderr.write(`Top ${limit} companies (${scope}, by ${by}, agency ${agency}):\n`)
  for (const e of entries) {
    process.stderr.write(
      `  ${String(e.rank).padStart(3)}. ${fit(e.name, 48)} ${count(e.violation_count, "violation").padStart(16)}  ${money(e.penalty_current_total).padStart(16)}\n`
    )
  }
  if (entries.length === 0) process.stderr.write("  (no companies in this scope yet: ingest data first)\n")
  emit({ scope, by, agency, limit, entries })
  return 0
}

/** `ventureos stats company|city|state <slug>`. */
export const runStats = async (args: Args, layer: Layer.Layer<Warehouse>): Promise<number> => {
  const [kindRaw, slugRaw] = args.positionals
  if (kindRaw !== "company" && kindRaw !== "city" && kindRaw !== "state") {
    throw new UsageError(`stats needs company, city or state, got "${kindRaw ?? ""}"`)
  }
  const kind = kindRaw as EntityKind
  const slug = (slugRaw ?? "").trim().toLowerCase()
  const key = kind === "company" ? `COMPANY#${slug}` : kind === "city" ? `CITY#${slug}` : `STATE#${slug}`
  const valid =
    kind === "state"
      ? /^[a-z]{2}$/.test(slug)
      : kind === "city"
        ? /^[a-z0-9]+(-[a-z0-9]+)*-[a-z]{2}$/.test(slug)
        : /^[a-z0-9]+(-[a-z0-9]+)*$/.test(slug)
  if (!valid) {
    throw new UsageError(
      `invalid ${kind} slug "${slugRaw ?? ""}": expected ${kind === "state" ? "a 2-letter state code (tx)" : kind === "city" ? "<city>-<st> (austin-tx)" : "lowercase words joined by '-' (walmart-stores)"}`
    )
  }
  const rows = await Effect.runPromise(
    Effect.flatMap(Warehouse, (w) => w.goldTotals(kind, [key])).pipe(Effect.provide(layer))
  )
  if (rows.length === 0) {
    process.stderr.write(`ventureos: no ${kind} ${key} in gold (ingest data first, or check the slug)\n`)
    emit({ entity: key, found: false })
    return 1
  }
  const stats: Record<string, unknown> = {}
  let name: string | null = null
  for (const r of rows) {
    if (r.agency === "all") name = r.name
    const {
      entity_key: _k,
      agency: _a,
      source_snapshot: _s,
      updated_at: _u,
      ...totals
    } = totalsToStats(r, "", "")
    stats[r.agency] = totals
  }
  const all = stats.all as
    | { violation_count: number; penalty_current_total: string; penalty_current_unknown_count: number }
    | undefined
  const unknown = all?.penalty_current_unknown_count ?? 0
  process.stderr.write(
    `${key} (${name ?? "?"}): ${count(all?.violation_count ?? 0, "violation")}, ${money(all?.penalty_current_total ?? "0.00")} current penalties${unknown > 0 ? ` (current penalty unknown for ${count(unknown, "violation")})` : ""}\n`
  )
  emit({ entity: key, found: true, name, stats })
  return 0
}
