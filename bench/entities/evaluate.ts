/**
 * Entity resolution quality on the labelled set: every row is resolved as ingest would (its silver company
 * slug is the variant, with the row's site, NAICS and FRS id), then pairwise precision / recall / F1 at
 * company and facility level. Run from the repo root:
 *
 *   pnpm exec tsx bench/entities/evaluate.ts            # the numbers
 *   pnpm exec tsx bench/entities/evaluate.ts --errors   # and the wrong pairs, grouped, for review
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import {
  emptyMap,
  facilityKey,
  resolve,
  type Site,
  type VariantInput,
  variantKeyOf
} from "../../packages/entities/src/index"
import { parseCsv } from "./csv"

interface Labelled {
  readonly id: string
  readonly source: string
  readonly name: string
  readonly site: Site
  readonly company: string
  readonly decidable: boolean
  readonly naics: string
  readonly frs: string
}

const here = new URL(".", import.meta.url).pathname
const rows: Array<Labelled> = parseCsv(readFileSync(join(here, "labels.csv"), "utf8")).map((r) => ({
  id: r.id!,
  source: r.source!,
  name: r.name!,
  site: {
    address: r.address || null,
    city: r.city || null,
    state: r.state || null,
    zip: r.zip || null
  },
  company: r.company!,
  decidable: r.decidable === "1",
  naics: r.naics ?? "",
  frs: r.frs ?? ""
}))

const started = performance.now()
const inputs: Array<VariantInput> = rows.map((r) => ({
  key: variantKeyOf(r.name),
  name: r.name,
  sites: [r.site],
  naics: /^\d{2,6}$/.test(r.naics) ? [r.naics] : [],
  frs: r.frs === "" ? [] : [r.frs],
  rows: 1
}))
const { map, compared } = resolve(emptyMap(), inputs, [], { suggestions: false })
const ms = performance.now() - started
const companyOfRow = rows.map((r) => map.variants[variantKeyOf(r.name)]!.company)

/** A row's site for facility truth: its ZIP, else city and state; none when neither is known. */
const siteOf = (s: Site): string | null =>
  s.zip !== null
    ? `zip:${s.zip}`
    : s.city !== null && s.state !== null
      ? `city:${s.city.toUpperCase()}|${s.state}`
      : null

interface Score {
  tp: number
  fp: number
  fn: number
}
const pairwise = (
  include: (i: number) => boolean,
  truth: (i: number) => string | null,
  predicted: (i: number) => string | null,
  errors?: Map<string, number>
): Score => {
  const idx = rows.map((_, i) => i).filter((i) => include(i) && truth(i) !== null && predicted(i) !== null)
  const s: Score = { tp: 0, fp: 0, fn: 0 }
  for (let a = 0; a < idx.length; a++)
    for (let b = a + 1; b < idx.length; b++) {
      const i = idx[a]!
      const j = idx[b]!
      const t = truth(i) === truth(j)
      const p = predicted(i) === predicted(j)
      if (t && p) s.tp++
      else if (p) {
        s.fp++
        if (errors !== undefined) {
          const k = `FP ${rows[i]!.company} ~ ${rows[j]!.company}: ${rows[i]!.name} | ${rows[j]!.name}`
          errors.set(k, (errors.get(k) ?? 0) + 1)
        }
      } else if (t) {
        s.fn++
        if (errors !== undefined) {
          const k = `FN ${rows[i]!.company}: ${rows[i]!.name} | ${rows[j]!.name}`
          errors.set(k, (errors.get(k) ?? 0) + 1)
        }
      }
    }
  return s
}
const report = (label: string, s: Score) => {
  const p = s.tp / Math.max(1, s.tp + s.fp)
  const r = s.tp / Math.max(1, s.tp + s.fn)
  const f1 = (2 * p * r) / Math.max(1e-9, p + r)
  console.log(
    `${label.padEnd(44)} precision ${p.toFixed(4)}  recall ${r.toFixed(4)}  F1 ${f1.toFixed(4)}   (tp ${s.tp}, fp ${s.fp}, fn ${s.fn})`
  )
  return { p, r, f1 }
}

const errors = process.argv.includes("--errors") ? new Map<string, number>() : undefined
const decidable = (i: number) => rows[i]!.decidable
console.log(
  `${rows.length} labelled rows (${rows.filter((r) => r.decidable).length} decidable), ${new Set(inputs.map((i) => i.key)).size} variants, ${new Set(rows.map((r) => r.company)).size} companies; resolved in ${ms.toFixed(0)} ms (${compared} comparisons)`
)
const company = report(
  "company level, decidable rows",
  pairwise(
    decidable,
    (i) => rows[i]!.company,
    (i) => companyOfRow[i]!,
    errors
  )
)
report(
  "facility level, decidable rows with a site",
  pairwise(
    decidable,
    (i) => {
      const s = siteOf(rows[i]!.site)
      return s === null ? null : `${rows[i]!.company}@${s}`
    },
    (i) => (siteOf(rows[i]!.site) === null ? null : facilityKey(companyOfRow[i]!, rows[i]!.site))
  )
)
report(
  "company level, all rows (undecidable included)",
  pairwise(
    () => true,
    (i) => rows[i]!.company,
    (i) => companyOfRow[i]!
  )
)
for (const source of ["osha", "epa", "grocery"]) {
  const ids = new Set(
    rows
      .map((r, i) => [r, i] as const)
      .filter(([r]) => r.decidable && r.source === source)
      .map(([, i]) => i)
  )
  report(
    `  company level, ${source}`,
    pairwise(
      (i) => ids.has(i),
      (i) => rows[i]!.company,
      (i) => companyOfRow[i]!
    )
  )
}
const goal = company.f1 >= 0.95 && company.p >= 0.98
console.log(`goal (company F1 >= 0.95 with precision >= 0.98): ${goal ? "met" : "NOT met"}`)
if (errors !== undefined)
  for (const [k, n] of [...errors.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5000))
    console.log(`${String(n).padStart(5)} ${k}`)
