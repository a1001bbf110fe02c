import { Schema } from "effect"
import { type AttributeMap, itemFromJson, type Plain, unmarshallItem } from "./AttributeValue"
import { BrandConfig } from "./BrandConfig"

/**
 * Mapper from the legacy single-table export (JSON lines, one raw DynamoDB item per line in AttributeValue
 * encoding, as `aws dynamodb scan` / DynamoDB export-to-S3 write them) to {@link BrandConfig}s.
 *
 * The legacy table mixed everything under `PK`/`SK`; brand configs were spread over several items:
 * - `PK = BRAND#<id>` or `PROJECT#<id>` (any case), `SK = CONFIG | METADATA | PROFILE | #METADATA`: name
 *   (`name` | `brandName` | `title`), `domain`, `layout` | `template`, `agencies` (list, string set or
 *   comma-separated string), colors (`colors` map or flat `primaryColor`, `secondaryColor`, ...),
 *   `navigation` | `nav` (list of maps or a JSON string), `updatedAt` | `updated_at`;
 * - `SK = THEME`: colors (flat or nested under `colors`);
 * - `SK = NAV#<n>`: one navigation entry (`label` | `title`, `href` | `path` | `url`), ordered by `n`.
 * Export wrappers `{"Item": {...}}` are unwrapped. Anything else (entities, stats, users) is reported as
 * not a brand item. Missing colors fall back to neutral defaults (reported); a missing name, no agencies or
 * an invalid value rejects the brand with the reason.
 */

/** One thing that could not be mapped. */
export interface LegacyProblem {
  /** 1-based line of the export (0 when the problem concerns a whole brand). */
  readonly line: number
  readonly key: string | null
  readonly reason: string
}

/** What the mapper produced. */
export interface LegacyMapResult {
  readonly brands: ReadonlyArray<BrandConfig>
  /** Lines / brands that could not be mapped, with the reason. */
  readonly problems: ReadonlyArray<LegacyProblem>
  /** Non-fatal notes (defaults applied). */
  readonly warnings: ReadonlyArray<LegacyProblem>
  readonly lines: number
}

const DEFAULT_COLORS = {
  primary: "#1f2937",
  secondary: "#4b5563",
  accent: "#2563eb",
  background: "#ffffff",
  text: "#111827"
} as const

interface Draft {
  id: string
  fields: Record<string, Plain>
  colors: Record<string, Plain>
  nav: Array<{ order: number; line: number; value: Plain }>
  lines: Array<number>
}

const str = (v: Plain | undefined): string | undefined => (typeof v === "string" ? v : undefined)

const pick = (o: Readonly<Record<string, Plain>>, ...names: ReadonlyArray<string>): Plain | undefined => {
  for (const n of names) if (o[n] !== undefined && o[n] !== null) return o[n]
  return undefined
}

const isRecord = (v: Plain | undefined): v is { readonly [k: string]: Plain } =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array)

const COLOR_FIELDS: Record<string, keyof typeof DEFAULT_COLORS> = {
  primary: "primary",
  primaryColor: "primary",
  primary_color: "primary",
  secondary: "secondary",
  secondaryColor: "secondary",
  secondary_color: "secondary",
  accent: "accent",
  accentColor: "accent",
  accent_color: "accent",
  background: "background",
  backgroundColor: "background",
  background_color: "background",
  text: "text",
  textColor: "text",
  text_color: "text"
}

const collectColors = (into: Record<string, Plain>, o: Readonly<Record<string, Plain>>) => {
  const nested = pick(o, "colors", "theme", "palette")
  if (isRecord(nested)) collectColors(into, nested)
  for (const [k, v] of Object.entries(o)) {
    const c = COLOR_FIELDS[k]
    if (c !== undefined && v !== null) into[c] = v
  }
}

const normalizeNav = (v: Plain): Plain => {
  if (!isRecord(v)) return v
  return {
    label: pick(v, "label", "title", "name") ?? null,
    href: pick(v, "href", "path", "url", "link") ?? null
  }
}

const parseNavList = (v: Plain | undefined): ReadonlyArray<Plain> | string | undefined => {
  if (v === undefined) return undefined
  if (typeof v === "string") {
    try {
      const parsed: unknown = JSON.parse(v)
      return Array.isArray(parsed) ? (parsed as ReadonlyArray<Plain>) : "navigation JSON is not a list"
    } catch {
      return "navigation is a string but not JSON"
    }
  }
  return Array.isArray(v) ? (v as ReadonlyArray<Plain>) : "navigation is not a list"
}

const parseAgencies = (v: Plain | undefined): ReadonlyArray<Plain> | undefined => {
  if (v === undefined) return undefined
  if (typeof v === "string")
    return v
      .split(/[,\s]+/)
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s !== "")
  if (Array.isArray(v))
    return (v as ReadonlyArray<Plain>).map((a) => (typeof a === "string" ? a.toLowerCase() : a))
  return [v]
}

const layoutOf = (v: Plain | undefined): Plain | undefined => {
  if (typeof v !== "string") return v
  const l = v.trim().toLowerCase()
  return l === "grid"
    ? "dashboard"
    : l === "list" || l === "timeline"
      ? "feed"
      : l === "ranking"
        ? "leaderboard"
        : l
}

const decodeBrand = Schema.decodeUnknownSync(BrandConfig)

const CONFIG_SKS = new Set(["CONFIG", "METADATA", "#METADATA", "PROFILE", "SETTINGS", "BRAND"])

/** Map a legacy export (JSON lines text) to brand configs plus a report of what could not be mapped. */
export const mapLegacyExport = (text: string, now: string = new Date().toISOString()): LegacyMapResult => {
  const problems: Array<LegacyProblem> = []
  const warnings: Array<LegacyProblem> = []
  const drafts = new Map<string, Draft>()
  const lines = text.split(/\r?\n/)
  let count = 0
  for (const [i, raw] of lines.entries()) {
    const line = i + 1
    if (raw.trim() === "") continue
    count++
    let json: unknown
    try {
      json = JSON.parse(raw)
    } catch {
      problems.push({ line, key: null, reason: "not valid JSON" })
      continue
    }
    if (typeof json === "object" && json !== null && "Item" in json) json = (json as { Item: unknown }).Item
    const parsed = itemFromJson(json)
    if (typeof parsed === "string") {
      problems.push({ line, key: null, reason: `not a DynamoDB item: ${parsed}` })
      continue
    }
    const item: AttributeMap = parsed
    const plain = unmarshallItem(item)
    const pk = str(plain.PK) ?? str(plain.pk)
    const sk = str(plain.SK) ?? str(plain.sk) ?? "CONFIG"
    if (pk === undefined) {
      problems.push({ line, key: null, reason: "item has no string PK" })
      continue
    }
    const key = `${pk} / ${sk}`
    const m = /^(?:BRAND|PROJECT)#(.+)$/i.exec(pk)
    if (m === null) {
      problems.push({ line, key, reason: "not a brand item (PK is not BRAND#<id> or PROJECT#<id>)" })
      continue
    }
    const id = m[1]!
      .trim()
      .toLowerCase()
      .replace(/[\s_]+/g, "-")
    let d = drafts.get(id)
    if (d === undefined) {
      d = { id, fields: {}, colors: {}, nav: [], lines: [] }
      drafts.set(id, d)
    }
    d.lines.push(line)
    const { PK: _p, SK: _s, pk: _pl, sk: _sl, ...attrs } = plain
    const skUp = sk.toUpperCase()
    const nav = /^NAV(?:IGATION)?#(\d+)$/.exec(skUp)
    if (CONFIG_SKS.has(skUp)) {
      Object.assign(d.fields, attrs)
      collectColors(d.colors, attrs)
    } else if (skUp === "THEME" || skUp === "COLORS") {
      collectColors(d.colors, attrs)
    } else if (nav !== null) {
      d.nav.push({ order: Number(nav[1]), line, value: attrs })
    } else {
      problems.push({ line, key, reason: `unknown brand item kind SK=${sk}` })
    }
  }
  const brands: Array<BrandConfig> = []
  for (const d of drafts.values()) {
    const f = d.fields
    const navFromConfig = parseNavList(pick(f, "navigation", "nav", "menu"))
    if (typeof navFromConfig === "string") {
      problems.push({ line: 0, key: `BRAND#${d.id}`, reason: navFromConfig })
      continue
    }
    const navigation = [
      ...(navFromConfig ?? []),
      ...d.nav.sort((a, b) => a.order - b.order).map((n) => n.value)
    ].map(normalizeNav)
    const missingColors = Object.keys(DEFAULT_COLORS).filter((c) => d.colors[c] === undefined)
    if (missingColors.length > 0)
      warnings.push({
        line: 0,
        key: `BRAND#${d.id}`,
        reason: `default colors used for ${missingColors.join(", ")}`
      })
    const candidate = {
      id: d.id,
      name: pick(f, "name", "brandName", "brand_name", "title", "displayName"),
      domain: pick(f, "domain", "hostname", "host") ?? null,
      colors: { ...DEFAULT_COLORS, ...d.colors },
      layout: layoutOf(pick(f, "layout", "template", "homeLayout")) ?? "dashboard",
      navigation,
      agencies: parseAgencies(pick(f, "agencies", "agenciesShown", "agencies_shown", "sources")),
      updated_at: (() => {
        const u = str(pick(f, "updated_at", "updatedAt", "modifiedAt"))
        return u !== undefined && /^\d{4}-\d{2}-\d{2}T[0-9:.]+Z$/.test(u) ? u : now
      })()
    }
    try {
      brands.push(decodeBrand(candidate, { errors: "all" }))
    } catch (e) {
      problems.push({
        line: 0,
        key: `BRAND#${d.id}`,
        reason: `lines ${d.lines.join(",")}: ${(e instanceof Error ? e.message : String(e)).replace(/\s+/g, " ").slice(0, 500)}`
      })
    }
  }
  return { brands, problems, warnings, lines: count }
}
