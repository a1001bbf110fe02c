import { readFileSync } from "node:fs"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { citySlug, companySlug, type UsState } from "../src/index"
import { citySlugReference, companySlugReference } from "./slug-reference"

// Distinct names and cities from the real samples (OSHA establishments, EPA NPDES / ECHO, FAA cases).
const inputs = JSON.parse(readFileSync(new URL("./fixtures/slug-inputs.json", import.meta.url), "utf8")) as {
  readonly names: ReadonlyArray<string>
  readonly cities: ReadonlyArray<string>
}

// Pieces every guarded rewrite of companySlug reacts to, so generated names hit each guard on both sides.
const piece = fc.oneof(
  fc.constantFrom(
    "WAL-MART",
    "7-ELEVEN",
    "KROGER",
    "Wegman's",
    'WEGMAN"S',
    "SAM`S",
    "O’BRIEN",
    "STORE",
    "STORES NO",
    "STORE NO.",
    "UNIT",
    "LOCATION",
    "LOC",
    "BRANCH",
    "FACILITY",
    "NUMBER",
    "#",
    "# 1204",
    "#A12B",
    "0423-",
    "(THE)",
    "( the )",
    "THE",
    "DBA",
    "D/B/A",
    "D B A",
    "T/A",
    "AKA",
    "A/K/A",
    "L.L.C.",
    "L L C",
    "U.S.",
    "INC.",
    "INCORPORA",
    "CORPORATION",
    "CO",
    "LLC",
    "AND",
    "&",
    "+",
    "-",
    ".",
    ",",
    "Café",
    "ÉCOLE",
    "ﬁsh",
    "\uFFFD",
    "Ｗａｌ",
    "ß"
  ),
  fc.stringMatching(/^[A-Za-z]{1,8}$/),
  fc.stringMatching(/^\d{1,5}[A-Z]?$/),
  fc.string({ unit: "binary", maxLength: 4 })
)
const separator = fc.constantFrom(" ", "  ", "", "\t", "\n", " - ", ", ", "\u00a0", "\u2003")
const messyName = fc
  .array(fc.tuple(piece, separator), { maxLength: 12 })
  .map((parts) => parts.map(([p, s]) => p + s).join(""))

/** A real name with a few characters inserted, replaced or dropped. */
const mutatedName = fc
  .tuple(
    fc.constantFrom(...inputs.names),
    fc.array(fc.tuple(fc.nat(), fc.nat(2), fc.string({ unit: "binary", maxLength: 2 })), { maxLength: 4 })
  )
  .map(([name, edits]) =>
    edits.reduce((s, [at, kind, text]) => {
      const i = s.length === 0 ? 0 : at % (s.length + 1)
      return kind === 0
        ? s.slice(0, i) + text + s.slice(i)
        : kind === 1
          ? s.slice(0, i) + text + s.slice(i + 1)
          : s.slice(0, i) + s.slice(i + 1)
    }, name)
  )

describe("slug fast paths equal the reference slugs", () => {
  it("for every real name and city in the samples", () => {
    const names = inputs.names.filter((n) => companySlug(n) !== companySlugReference(n))
    expect(names).toEqual([])
    const cities = inputs.cities.filter(
      (c) => citySlug(c, "TX" as UsState) !== citySlugReference(c, "TX" as UsState)
    )
    expect(cities).toEqual([])
  })

  it("for messy, mutated and arbitrary unicode names (property)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          messyName,
          mutatedName,
          fc.string({ unit: "binary", maxLength: 80 }),
          fc.string({ unit: "grapheme", maxLength: 80 })
        ),
        (name) => {
          expect(companySlug(name)).toBe(companySlugReference(name))
        }
      ),
      { numRuns: 20_000 }
    )
  })

  it("for arbitrary cities (property)", () => {
    fc.assert(
      fc.property(
        fc.oneof(messyName, fc.constantFrom(...inputs.cities), fc.string({ unit: "binary", maxLength: 40 })),
        fc.constantFrom("TX", "FL", "ny"),
        (city, state) => {
          expect(citySlug(city, state as UsState)).toBe(citySlugReference(city, state as UsState))
        }
      ),
      { numRuns: 5_000 }
    )
  })
})
