import { readFile } from "node:fs/promises"
import {
  type EntityMap,
  explain,
  facilityKey,
  type Override,
  parentOf,
  resolve,
  type Site,
  type VariantInput,
  variantKeyOf
} from "@ventureos/entities"
import { CsvParser } from "@ventureos/normalizers"
import { applyOverride, EntityStore, updateEntities, type Warehouse } from "@ventureos/pipeline"
import { Effect, type Layer } from "effect"
import { type Args, emit, flagString, UsageError } from "../Args"
import { count, fit } from "../Format"

const AGENCIES = ["osha", "epa", "faa"]

/** A company or variant key as typed: `walmart-stores` or `COMPANY#walmart-stores`. */
const keyArg = (raw: string | undefined, what: string): string => {
  const k = (raw ?? "")
    .trim()
    .replace(/^COMPANY#/i, "")
    .toLowerCase()
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(k))
    throw new UsageError(
      `${what} must be a company key (lowercase words joined by '-', e.g. walmart-stores), got "${raw ?? ""}"`
    )
  return k
}

const known = (map: EntityMap, key: string, what: string): string => {
  if (map.variants[key] === undefined && map.companies[key] === undefined)
    throw new NotFound(
      `${what} ${key} is not in the entity map (ventureos entities show <key>; ingest data first)`
    )
  return key
}

/** A key the map does not know: exit code 1. */
export class NotFound extends Error {
  override readonly name = "NotFound"
}

interface ResolveRow {
  readonly line: number
  readonly name: string
  readonly site: Site
  readonly agency: string | null
  readonly naics: string | null
}

/** Rows of a resolve input file: a header with name, address, city, state, zip (and optional agency, naics). */
const readRows = async (file: string): Promise<Array<ResolveRow>> => {
  const text = await readFile(file, "utf8")
  const parser = new CsvParser()
  const rows = [...parser.push(text), ...parser.end()]
  const [first, ...data] = rows
  if (first === undefined)
    throw new UsageError(`${file}: empty file, expected a header name,address,city,state,zip`)
  const cols = first.cells.map((h) =>
    h
      .trim()
      .toLowerCase()
      .replace(/^\uFEFF/, "")
  )
  const required = ["name", "address", "city", "state", "zip"]
  const missing = required.filter((c) => !cols.includes(c))
  if (missing.length > 0)
    throw new UsageError(
      `${file}: header lacks ${missing.join(", ")} (got ${cols.join(",")}; expected name,address,city,state,zip[,agency,naics])`
    )
  const at = (r: ReadonlyArray<string>, c: string) => {
    const i = cols.indexOf(c)
    const v = i === -1 ? "" : (r[i] ?? "").trim()
    return v === "" ? null : v
  }
  const out: Array<ResolveRow> = []
  for (const rec of data) {
    const r = rec.cells
    if (r.every((x) => x.trim() === "")) continue
    const line = rec.line
    const name = at(r, "name")
    if (name === null) throw new UsageError(`${file}:${line}: field name is empty (expected a company name)`)
    const state = at(r, "state")
    if (state !== null && !/^[A-Za-z]{2}$/.test(state))
      throw new UsageError(`${file}:${line}: field state "${state}" is not a 2-letter state code (e.g. CA)`)
    const zipRaw = at(r, "zip")
    const zip = zipRaw === null ? null : zipRaw.replace(/\D/g, "").padStart(5, "0").slice(0, 5)
    if (zipRaw !== null && !/^\d{3,5}(?:-\d{4})?$/.test(zipRaw))
      throw new UsageError(`${file}:${line}: field zip "${zipRaw}" is not a ZIP code (5 digits)`)
    const naics = at(r, "naics")
    if (naics !== null && !/^\d{2,6}$/.test(naics.replace(/\.0$/, "")))
      throw new UsageError(`${file}:${line}: field naics "${naics}" is not a NAICS code (2-6 digits)`)
    out.push({
      line,
      name,
      site: {
        address: at(r, "address"),
        city: at(r, "city")?.toUpperCase() ?? null,
        state: state?.toUpperCase() ?? null,
        zip
      },
      agency: at(r, "agency"),
      naics: naics === null ? null : naics.replace(/\.0$/, "")
    })
  }
  return out
}

/**
 * Resolve rows against the map as ingest would: a name whose company slug the map knows gets its company; the
 * other rows are resolved together against the map (blocking, scoring, clustering), without storing anything.
 */
export const resolveRows = (
  map: EntityMap,
  rows: ReadonlyArray<ResolveRow>,
  overrides: Parameters<typeof resolve>[2]
) => {
  const inputs: Array<VariantInput> = rows
    .filter((r) => map.variants[variantKeyOf(r.name)] === undefined)
    .map((r) => ({
      key: variantKeyOf(r.name),
      name: r.name,
      sites: [r.site],
      naics: r.naics === null ? [] : [r.naics],
      frs: [],
      rows: 1
    }))
  const next = inputs.length === 0 ? map : resolve(map, inputs, overrides, { suggestions: false }).map
  return rows.map((r) => {
    const key = variantKeyOf(r.name)
    const e = next.variants[key]!
    const fresh = map.variants[key] === undefined
    const company = e.company
    const via = e.via === null ? "" : ` (with ${e.via})`
    return {
      name: r.name,
      company,
      facility: facilityKey(company, r.site),
      parent: parentOf(next, company),
      score: e.score,
      reason: `${fresh ? "" : "known name: "}${company === key && e.rule === "representative" ? (fresh ? "no match: a new company" : "its own company") : `${e.rule}${via}`}`
    }
  })
}

/** `ventureos entities resolve|update|suggest|merge|split|parent|rename|show`. */
export const runEntities = async (
  args: Args,
  lake: () => Layer.Layer<Warehouse | EntityStore>
): Promise<number> => {
  const [sub, ...rest] = args.positionals
  const run = <A, E>(e: Effect.Effect<A, E, Warehouse | EntityStore>) =>
    Effect.runPromise(e.pipe(Effect.provide(lake())) as Effect.Effect<A>)
  const load = () => run(Effect.flatMap(EntityStore, (s) => Effect.zip(s.load, s.overrides)))
  const afterOverride = async (override: Override) => {
    const { record, result } = await run(applyOverride(override))
    const moved = result.moved
    process.stderr.write(
      `override ${record.version} stored (${override.op}); ${count(moved.length, "name")} changed company\n` +
        "the API and the dashboards show it after: ventureos serving rebuild\n"
    )
    emit({ override: record, moved })
    return 0
  }
  switch (sub) {
    case "resolve": {
      const file = rest[0]
      if (file === undefined)
        throw new UsageError("entities resolve needs a CSV file (name,address,city,state,zip[,agency,naics])")
      const rows = await readRows(file)
      const [map, overrides] = await load()
      const out = resolveRows(map, rows, overrides)
      for (const o of out) process.stdout.write(`${JSON.stringify(o)}\n`)
      process.stderr.write(
        `${count(out.length, "row")} resolved against ${count(Object.keys(map.variants).length, "known name")}\n`
      )
      return 0
    }
    case "update": {
      const u = await run(updateEntities({ agencies: AGENCIES }))
      process.stderr.write(
        `entity map v${u.version}: ${count(u.variants, "name")} in ${count(u.companies, "company", "companies")}; ${count(u.newVariants, "new name")} scored (${u.compared} comparisons), ${count(u.suggestions, "suggestion")}\n`
      )
      emit({ ...u, moved: u.moved.length })
      return 0
    }
    case "suggest": {
      const limitRaw = flagString(args, "limit") ?? "20"
      const limit = Number(limitRaw)
      if (!Number.isInteger(limit) || limit < 1)
        throw new UsageError(`--limit must be a positive integer, got "${limitRaw}"`)
      const [map] = await load()
      const list = (map.suggestions ?? []).slice(0, limit)
      for (const s of list) {
        const a = map.variants[s.a]?.input.name ?? s.a
        const b = map.variants[s.b]?.input.name ?? s.b
        process.stderr.write(
          `  ${s.comparison.score.toFixed(2)}  ${fit(a, 40)} ~ ${fit(b, 40)}  ${s.comparison.rule}\n      ventureos entities merge ${s.companyA} ${s.companyB}\n`
        )
      }
      if (list.length === 0) process.stderr.write("  (no suggestions: nothing similar is left apart)\n")
      emit({ suggestions: list })
      return 0
    }
    case "merge": {
      const [map] = await load()
      const from = known(map, keyArg(rest[0], "merge <from>"), "company")
      const into = known(map, keyArg(rest[1], "merge <into>"), "company")
      return afterOverride({ op: "merge", from, into })
    }
    case "split": {
      const [map] = await load()
      return afterOverride({ op: "split", variant: known(map, keyArg(rest[0], "split <name>"), "name") })
    }
    case "parent": {
      const [map] = await load()
      const company = known(map, keyArg(rest[0], "parent <company>"), "company")
      const p = rest[1]
      if (p === undefined) throw new UsageError("entities parent needs <company> <parent> (or none)")
      return afterOverride({
        op: "parent",
        company,
        parent: p.toLowerCase() === "none" ? null : keyArg(p, "parent <parent>")
      })
    }
    case "rename": {
      const [map] = await load()
      const company = known(map, keyArg(rest[0], "rename <company>"), "company")
      const name = rest.slice(1).join(" ").trim()
      if (name === "") throw new UsageError("entities rename needs <company> <display name>")
      return afterOverride({ op: "rename", company, name })
    }
    case "show": {
      const [map] = await load()
      const key = keyArg(rest[0], "show <key>")
      const e = explain(map, key)
      if (e === undefined)
        throw new NotFound(`${key} is not in the entity map (ingest data first, or check the key)`)
      process.stderr.write(
        `${e.company}: ${e.name}${e.parent !== e.company ? ` (parent ${e.parent})` : ""}\n`
      )
      process.stderr.write(
        `${count(e.variants.length, "name variant")}, ${count(e.facilities.length, "facility", "facilities")}\n`
      )
      for (const v of e.variants) {
        const parts =
          v.parts === null
            ? ""
            : ` [name ${v.parts.name.toFixed(2)}, contained ${v.parts.containment.toFixed(2)}, jaro-winkler ${v.parts.jaroWinkler.toFixed(2)}, site ${v.parts.site}, naics ${v.parts.naics}${v.coherence !== null ? `, coherence ${v.coherence}` : ""}]`
        process.stderr.write(
          `  ${fit(v.name, 48)} ${v.rule}${v.via !== null ? ` with ${v.via}` : ""} (score ${v.score})${parts}\n`
        )
      }
      emit(e)
      return 0
    }
    default:
      throw new UsageError(
        `entities needs resolve <file.csv>, update, suggest, merge <from> <into>, split <name>, parent <company> <parent>, rename <company> <name> or show <key>, got "${sub ?? ""}"`
      )
  }
}
