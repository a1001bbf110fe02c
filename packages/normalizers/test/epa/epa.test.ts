import { readFileSync, writeFileSync } from "node:fs"
import { basename, join } from "node:path"
import type { Violation } from "@ventureos/core"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { collapseAll, criminalDefendant, epaCompanyName, NEEDS_COLLAPSE } from "../../src/epa/names"
import {
  CsvFileError,
  detect,
  epaPlugin,
  faaPlugin,
  makeRegistry,
  oshaPlugin,
  type Rejection,
  readHeader
} from "../../src/index"
import { INGESTED_AT, normalizeAll, type RunResult, reconciles, scratch } from "../run/harness"

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "epa")
const GOLDEN = join(FIXTURES, "golden")
const SAMPLE = join(FIXTURES, "sample")
const npdesQuirks = join(GOLDEN, "npdes_quirks.csv")
const echoQuirks = join(GOLDEN, "echo_quirks.csv")
const npdesSample = join(SAMPLE, "npdes_formal_actions_FL.csv")
const echoSample = join(SAMPLE, "echo_cases_FL.csv")
const PLUGINS = [oshaPlugin, epaPlugin, faaPlugin]

const run = (paths: ReadonlyArray<string>, agency?: string) =>
  normalizeAll(paths, { plugins: PLUGINS, ...(agency !== undefined ? { agency } : {}) })
const accepted = (r: RunResult): Array<Violation> =>
  r.outcomes.flatMap((o) => (o._tag === "accepted" ? [o.record] : []))
const rejections = (r: RunResult): Array<Rejection> =>
  r.outcomes.flatMap((o) => (o._tag === "rejected" ? [o.rejection] : []))

/** Golden JSON Lines: the run summary, then one outcome per input row. UPDATE_GOLDEN=1 rewrites it. */
const expectGolden = (result: RunResult, csv: string) => {
  const file = csv.replace(/\.csv$/, ".golden.jsonl")
  const summary = { ...result.summary, files: result.summary.files.map(({ path: _p, ...f }) => f) }
  const actual = `${[{ summary }, ...result.outcomes].map((o) => JSON.stringify(o)).join("\n")}\n`
  if (process.env.UPDATE_GOLDEN === "1") writeFileSync(file, actual)
  expect(actual.split("\n")).toEqual(readFileSync(file, "utf8").split("\n"))
}

describe("EPA ICIS-NPDES formal actions: golden real rows", () => {
  let result: RunResult
  let byId: Map<string, Violation>
  beforeAll(async () => {
    result = await run([npdesQuirks])
    byId = new Map(accepted(result).map((r) => [r.source_record_id, r]))
  })

  it("matches the reviewed golden output exactly (UPDATE_GOLDEN=1 to regenerate)", () => {
    expectGolden(result, npdesQuirks)
  })

  it("accepts every real row, ids = ENF_IDENTIFIER + NPDES_ID", () => {
    expect(result.summary).toMatchObject({ rows: 28, accepted: 28, rejected: 0, skipped: 0 })
    expect(byId.get("04-1993-N038_FLU930556")?.violation_id).toBe(
      "epa:epa_npdes_formal_action:04-1993-N038_FLU930556"
    )
  })

  it("one action naming several permits gives one record per permit", () => {
    const action = accepted(result).filter((r) => r.violation_details.enf_identifier === "04-2016-4780")
    expect(action.map((r) => r.source_record_id)).toEqual([
      "04-2016-4780_FLR10PG37",
      "04-2016-4780_FLR10MY69"
    ])
    expect(action.map((r) => r.company_slug)).toEqual(["bradford-creek", "union-park-phase"])
  })

  it("reads MM/DD/YYYY dates; an action without settlement date is open", () => {
    expect(byId.get("04-1993-N038_FLU930556")).toMatchObject({
      event_date: "1995-10-16",
      closed_date: "1995-10-16",
      status: "closed"
    })
    expect(byId.get("04-1999-N031_FLU990520")).toMatchObject({
      event_date: null,
      closed_date: null,
      status: "open"
    })
  })

  it("keeps blank penalties null (not 0), a published 0 as 0.00, and adds federal + state amounts", () => {
    expect(byId.get("04-1997-N078_FLU970089")).toMatchObject({ penalty_initial: null, penalty_current: null })
    expect(byId.get("FL-17-1210_FL0116793")).toMatchObject({
      penalty_initial: "0.00",
      penalty_current: "0.00"
    })
    expect(byId.get("FL-20-1674_FLR10TE28")).toMatchObject({ penalty_current: "26144.00" })
    // 14242.83 federal + 14242.83 state, exact cents
    expect(byId.get("FL-18-0075_FL0041670")).toMatchObject({
      penalty_initial: "28485.66",
      penalty_current: "28485.66"
    })
    expect(byId.get("04-2011-9030_FL0024805")?.penalty_current).toBe("978100.00")
    expect(byId.get("04-1993-N038_FLU930556")?.violation_details).toMatchObject({
      fed_penalty_assessed_amt: "42000"
    })
    expect(byId.get("04-1993-N038_FLU930556")?.violation_details).not.toHaveProperty(
      "state_local_penalty_amt"
    )
  })

  it("turns FAC_CITY=UNKNOWN / FAC_ZIP=0 / FAC_STREET=UNKNOWN into nulls, with no city slug", () => {
    const unknown = byId.get("04-1993-N038_FLU930556")
    expect(unknown).toMatchObject({ address: null, city: null, zip: null, state: "FL", city_slug: null })
    expect(unknown?.violation_details).toMatchObject({
      fac_city: "UNKNOWN",
      fac_zip: "0",
      fac_street: "UNKNOWN"
    })
    // street unknown, city known
    expect(byId.get("04-2016-4780_FLR10PG37")).toMatchObject({
      address: null,
      city: "WINTER GARDEN",
      zip: "34787",
      city_slug: "winter-garden-fl"
    })
    // street known, city unknown
    expect(byId.get("FL-N00000077_FLU962295")).toMatchObject({
      address: "LITTLE PINE ISLAND",
      city: null,
      city_slug: null
    })
    expect(byId.get("FL-20-1674_FLR10TE28")).toMatchObject({
      address: "35353 EILAND BLVD",
      city: "ZEPHYRHILLS",
      zip: "33541",
      city_slug: "zephyrhills-fl"
    })
  })

  it("takes the first NAICS / SIC code of space-separated lists and keeps the list in details", () => {
    const r = byId.get("FL-N00000925_FL0123366")
    expect(r).toMatchObject({ naics: "424690", sic: "5169" })
    expect(r?.violation_details).toMatchObject({
      fac_naics_codes: "424690 424710 42469 49312 42269",
      fac_sic_codes: "5169 5171"
    })
    // `NA` inside a list does not matter: only the first code is typed
    expect(byId.get("04-2000-N041_FLR05B488")).toMatchObject({ naics: "325199", sic: "2869" })
    // agricultural SIC lost its leading zero: 241 is 0241 (dairy farms)
    const dairy = accepted(result).find((v) => v.violation_details.fac_sic_codes === "241")
    expect(dairy).toMatchObject({ sic: "0241", naics: "112111" })
    // a malformed ENF_IDENTIFIER is kept as published (ids must be stable)
    expect(dairy?.source_record_id).toBe("FL-20-1321North Flor_FLA282821")
    expect(dairy?.violation_id).toBe("epa:epa_npdes_formal_action:FL-20-1321North_Flor_FLA282821")
  })

  it("maps ENF_TYPE_CODE to the cross-agency vocabulary and keeps the code", () => {
    const types = new Map(accepted(result).map((r) => [r.violation_type_code, r.violation_type]))
    expect(Object.fromEntries(types)).toEqual({
      "309A": "compliance_order",
      "309G2A": "civil_penalty",
      "309G2B": "civil_penalty",
      "309G2E1": "civil_penalty",
      CIV: "judicial",
      EOGOV: "compliance_order",
      FAD: "compliance_order",
      SCWAAO: "compliance_order",
      SCWAAPO: "civil_penalty",
      STAOCO: "compliance_order"
    })
    expect(byId.get("04-1993-N038_FLU930556")?.description).toBe("CWA 309G2B AO For Class II Penalties")
  })

  it("keys the company part of `COMPANY - FACILITY` names, and keeps FAC_NAME as published", () => {
    const csx = accepted(result).find(
      (r) => r.violation_details.fac_name === "CSX TRANSPORTATION - WINSTON YARD"
    )
    expect(csx).toMatchObject({ company_name: "CSX TRANSPORTATION", company_slug: "csx-transportation" })
    const cemex = byId.get("FL-N00000636_FLG110089")
    expect(cemex).toMatchObject({
      company_name: "CEMEX CONSTRUCTION MATERIALS FLORIDA, LLC",
      company_slug: "cemex-construction-materials-florida"
    })
    // dashes inside a name are not separators
    expect(byId.get("04-2000-N029_FLR05A773")).toMatchObject({
      company_name: "A - 1 BLOCK CORP",
      company_slug: "a-1-block"
    })
    const pullIt = accepted(result).find((r) => r.violation_details.fac_name?.startsWith("ABC U - PULL"))
    expect(pullIt?.company_name).toBe("ABC U - PULL - IT INC")
    expect(byId.get("FL-11-0896_FL0032166")).toMatchObject({
      company_name: "FLORIDA POWER & LIGHT",
      company_slug: "florida-power-and-light"
    })
    expect(byId.get("FL-16-1252_FLR05H721")?.company_name).toBe("VIKING YACHT COMPANY")
  })

  it("puts every published column in violation_details", async () => {
    const header = (await readHeader(npdesQuirks)).map((h) => h.toLowerCase())
    // non-blank values only, in header order (a blank cell has no key)
    for (const r of accepted(result)) {
      expect(Object.keys(r.violation_details)).toEqual(header.filter((h) => h in r.violation_details))
      for (const v of Object.values(r.violation_details)) expect(v?.trim()).toBeTruthy()
    }
  })
})

describe("EPA ECHO enforcement cases: golden real rows", () => {
  let result: RunResult
  let byId: Map<string, Violation>
  beforeAll(async () => {
    result = await run([echoQuirks])
    byId = new Map(accepted(result).map((r) => [r.source_record_id, r]))
  })

  it("matches the reviewed golden output exactly (UPDATE_GOLDEN=1 to regenerate)", () => {
    expectGolden(result, echoQuirks)
  })

  it("accepts every real row, id = CaseNumber", () => {
    expect(result.summary).toMatchObject({ rows: 31, accepted: 31, rejected: 0, skipped: 0 })
    expect(byId.get("CR_1523")?.violation_id).toBe("epa:epa_echo_case:CR_1523")
  })

  it("derives a clean company from CaseName and keeps CaseName as published", () => {
    const names = (id: string) => [byId.get(id)?.company_name, byId.get(id)?.company_slug]
    expect(names("FL-21-0522")).toEqual(["City of Clearwater Utilities", "city-of-clearwater-utilities"])
    expect(byId.get("FL-21-0522")?.violation_details.casename).toBe(
      "City of Clearwater Utilities FL0021857, FL0128937, FL0021865 and FL0186261"
    )
    expect(names("02-2011-0016")).toEqual(["NVR, Inc. d/b/a Ryan Homes", "nvr"])
    expect(names("04-1999-0355")).toEqual(["LAU ENTERPRISES", "lau-enterprises"])
    expect(names("04-2002-4763")).toEqual(["Chipley, FL, City of", "chipley-fl-city-of"])
    expect(names("04-2005-5134")).toEqual(["CSX TRANSPORTATION, INC.", "csx-transportation"])
    expect(names("04-1990-0014")?.[1]).toBe("csx-transportation")
    expect(names("04-1980-0004")).toEqual(["HOFFMAN, PAUL", "hoffman-paul"])
    expect(names("04-1998-0098")).toEqual(["TALLAHASSEE, FL, CITY OF", "tallahassee-fl-city-of"])
    expect(names("04-2000-0504")).toEqual(["GADSDEN 10/90 INVESTMENTS, INC.", "gadsden-10-90-investments"])
    expect(names("FL-20-1101")).toEqual(["Georgia-Pacific", "georgiapacific"])
    expect(names("FL-11-0360")).toEqual(["JEA District II WWTF", "jea-district-ii-wwtf"])
    expect(names("04-1986-0043")).toEqual([
      "GENERAL DEVELOPMENT UTILITIES, INC.",
      "general-development-utilities"
    ])
    expect(names("04-2001-0152")).toEqual(["FORMAN TRUST", "forman-trust"])
    expect(names("FL-17-0116")).toEqual(["Fpl Lauderdale Plant", "fpl-lauderdale-plant"])
  })

  it("repairs dashes and apostrophes mangled by encoding round trips", () => {
    // U+0096 is a Windows-1252 en dash decoded as latin-1; U+FFFD and `?` are the same dash lost
    expect(byId.get("FL-12-1665")?.violation_details.casename).toContain("\u0096")
    expect(byId.get("FL-12-1665")?.company_name).toBe("Ideal Mobile Home Park WWTF")
    expect(byId.get("FL-12-1797")?.company_name).toBe("State Road 16 WWTF")
    expect(byId.get("FL-19-1682")?.company_name).toBe("City of Tampa")
    expect(byId.get("FL-18-1150")).toMatchObject({
      company_name: "Pilgrim's Pride Processing Plant",
      company_slug: "pilgrims-pride-processing-plant"
    })
  })

  it("keeps Florida Power Corp apart from Florida Power & Light", async () => {
    const slug = (id: string) => byId.get(id)?.company_slug
    expect(slug("04-1978-0003")).toBe("florida-power")
    // Florida Power Corp's DBA clause keeps the legal entity
    expect(slug("04-2007-5157")).toBe("florida-power")
    expect(slug("FL-16-0241")).toBe("florida-power-and-light")
    expect(slug("FL-18-1160")).toBe("florida-power-and-light")
    // and the NPDES facility of FPL lands on the same company as its ECHO cases
    const npdes = accepted(await run([npdesQuirks]))
    expect(npdes.find((r) => r.source_record_id === "FL-11-0896_FL0032166")?.company_slug).toBe(
      "florida-power-and-light"
    )
  })

  it("maps case category and status; FedPenalty blank stays null, 0 stays 0.00", () => {
    expect(byId.get("02-2011-0016")).toMatchObject({
      violation_type: "judicial",
      violation_type_code: "Judicial",
      status: "closed",
      opened_date: "2017-06-15",
      event_date: "2017-06-15",
      closed_date: "2017-09-07",
      penalty_initial: "425000.00",
      penalty_current: "425000.00"
    })
    // administrative with a federal penalty: a penalty order
    expect(byId.get("04-2005-5134")).toMatchObject({ violation_type: "civil_penalty", status: "closed" })
    // administrative without one: a compliance order; no DateFiled -> event on the settlement date
    expect(byId.get("04-1999-0355")).toMatchObject({
      violation_type: "compliance_order",
      penalty_current: "0.00",
      opened_date: null,
      event_date: "1999-07-27",
      status: "closed"
    })
    // complaint filed, nothing settled: open, penalty unknown
    expect(byId.get("04-1998-0067")).toMatchObject({
      violation_type: "compliance_order",
      status: "open",
      penalty_current: null,
      closed_date: null
    })
    expect(byId.get("04-2011-9030")).toMatchObject({ status: "closed", penalty_current: "511800.00" })
    expect(byId.get("04-2003-9100")?.penalty_current).toBe("93006.36")
    // judicial, closed, no settlement date and no amounts published
    expect(byId.get("04-1996-0647")).toMatchObject({
      status: "closed",
      closed_date: null,
      penalty_current: null
    })
  })

  it("attributes criminal cases to the first organization among the defendants", () => {
    expect(byId.get("CR_1523")).toMatchObject({
      company_name: "Target Corporation",
      company_slug: "target",
      violation_type: "judicial",
      violation_type_code: "Criminal",
      status: "closed",
      closed_date: "2007-06-08",
      penalty_initial: null,
      penalty_current: null
    })
    expect(byId.get("CR_1034")).toMatchObject({ company_name: "FCS, Inc.", company_slug: "fcs" })
  })

  it("puts every published column in violation_details", async () => {
    const header = (await readHeader(echoQuirks)).map((h) => h.toLowerCase())
    // non-blank values only, in header order (a blank cell has no key)
    for (const r of accepted(result)) {
      expect(Object.keys(r.violation_details)).toEqual(header.filter((h) => h in r.violation_details))
      for (const v of Object.values(r.violation_details)) expect(v?.trim()).toBeTruthy()
    }
    expect(byId.get("04-1994-0480")?.violation_details).toMatchObject({
      sepcost: "535000",
      settlementcnt: "1"
    })
  })
})

describe("EPA name rules", () => {
  it("a name NEEDS_COLLAPSE does not flag is one the collapse leaves as it is (property)", () => {
    // mostly ordinary characters, now and then one the replacements act on
    const char = fc.oneof(
      { arbitrary: fc.constantFrom(..."As ,"), weight: 12 },
      { arbitrary: fc.constantFrom("?", "\t", "\u00a0", "\u0091", "\u0096", "\u0085", "\uFFFD"), weight: 1 }
    )
    fc.assert(
      fc.property(fc.string({ unit: char, maxLength: 8 }), (s) => {
        if (!NEEDS_COLLAPSE.test(s)) expect(collapseAll(s)).toBe(s)
      }),
      { numRuns: 5000 }
    )
  })
  it("cleans the README example", () => {
    expect(
      epaCompanyName("CSX TRANSPORTATION - WINSTON Y (Permit FL0032581) Administrative Consent Order")
    ).toBe("CSX TRANSPORTATION")
  })
  it("cuts permits glued with a dash, and parties after a slash, but not codes", () => {
    expect(epaCompanyName("East Putnam County RO WTP-FL0433365")).toBe("East Putnam County RO WTP")
    expect(epaCompanyName("LENNAR HOMES, LLC/SOUTHWEST FLORIDA DIV.//RIVERSTRAND")).toBe("LENNAR HOMES, LLC")
    expect(epaCompanyName("IRC SOUTH COUNTY R/O PLANT")).toBe("IRC SOUTH COUNTY R/O PLANT")
    expect(epaCompanyName("CAPITAL CIRCLE NW/SW")).toBe("CAPITAL CIRCLE NW/SW")
    expect(epaCompanyName("HOLIDAY L.T.D. D/B/A HOLIDAY ESTATES M.H.P.")).toBe(
      "HOLIDAY L.T.D. D/B/A HOLIDAY ESTATES M.H.P."
    )
    expect(epaCompanyName("BEAZER HOMES-PALMA VISTA (@ ME")).toBe("BEAZER HOMES-PALMA VISTA")
  })
  it("falls back to the published name when nothing else remains", () => {
    expect(epaCompanyName("FL0032581")).toBe("FL0032581")
  })
  it("re-attaches legal forms in criminal defendant lists", () => {
    expect(criminalDefendant("Brian R. D'Isernia, Lagoon Landing, LLC")).toBe("Lagoon Landing, LLC")
    expect(criminalDefendant("Carey C. Mills, Ocie Mills")).toBe("Carey C. Mills")
    expect(criminalDefendant("Cypress Gulf Development Corporation, James Joey Driggers, W...")).toBe(
      "Cypress Gulf Development Corporation"
    )
  })
})

describe("EPA real sample files", () => {
  it("reconcile: rows = accepted + rejected + skipped, every row accepted, ids unique", async () => {
    const result = await run([npdesSample, echoSample])
    expect(reconciles(result.summary)).toBe(true)
    expect(result.summary.files.map(({ path: _p, skipReasons: _s, ...f }) => f)).toEqual([
      {
        file: "npdes_formal_actions_FL.csv",
        agency: "epa",
        dataset: "epa_npdes_formal_action",
        role: "records",
        rows: 1332,
        accepted: 1332,
        rejected: 0,
        skipped: 0
      },
      {
        file: "echo_cases_FL.csv",
        agency: "epa",
        dataset: "epa_echo_case",
        role: "records",
        rows: 1425,
        accepted: 1425,
        rejected: 0,
        skipped: 0
      }
    ])
    const records = accepted(result)
    expect(new Set(records.map((r) => r.violation_id)).size).toBe(records.length)
    // ~10% of facility rows carry the UNKNOWN/0 placeholders
    const npdes = records.filter((r) => r.source_dataset === "epa_npdes_formal_action")
    expect(npdes.filter((r) => r.city === null && r.zip === null && r.city_slug === null)).toHaveLength(144)
  })

  it("gives the same ids and content hashes on a re-ingest", async () => {
    const a = accepted(await run([npdesSample]))
    const b = accepted(await run([npdesSample]))
    expect(b.map((r) => [r.violation_id, r.content_hash])).toEqual(
      a.map((r) => [r.violation_id, r.content_hash])
    )
    expect(a[0]?.ingested_at).toBe(INGESTED_AT)
  })
})

describe("EPA header detection", () => {
  const registry = makeRegistry(PLUGINS)

  it("detects both EPA formats from the header (--agency auto)", async () => {
    expect(detect(registry, await readHeader(npdesSample))?.dataset.id).toBe("epa_npdes_formal_action")
    expect(detect(registry, await readHeader(echoSample))?.dataset.id).toBe("epa_echo_case")
    const result = await run([echoQuirks, npdesQuirks], "auto")
    expect(result.summary.agencies).toEqual(["epa"])
    expect(result.summary.files.map((f) => f.dataset)).toEqual(["epa_echo_case", "epa_npdes_formal_action"])
  })

  it("refuses an EPA file under --agency faa with a one-line error naming the file", async () => {
    const error = await run([echoQuirks], "faa").catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CsvFileError)
    expect((error as CsvFileError).message).toMatch(
      /echo_quirks\.csv: unrecognised header .*faa_enforcement_case/
    )
  })
})

describe("EPA bad rows affect only their row", () => {
  let dir: Awaited<ReturnType<typeof scratch>>
  beforeAll(async () => {
    dir = await scratch()
  })
  afterAll(() => dir.cleanup())

  /** The golden fixture with some cells of some rows replaced (every other row stays real). */
  const broken = async (
    source: string,
    name: string,
    edits: Record<number, (cells: Array<string>) => string>
  ) => {
    const lines = readFileSync(source, "utf8").split("\r\n")
    const out = lines.map((l, i) => {
      const edit = edits[i + 1]
      if (edit === undefined) return l
      return edit(l.split(","))
    })
    return dir.write(name, out.join("\r\n"))
  }

  it("NPDES: impossible date, malformed amount, short row, invalid byte", async () => {
    const path = await broken(npdesQuirks, "npdes_broken.csv", {
      // line 2 (PLAZA MATERIALS): SETTLEMENT_ENTERED_DATE 02/30/2015
      2: (c) => [...c.slice(0, 7), "02/30/2015", ...c.slice(8)].join(","),
      // line 4 (DEFENDER YACHT): FED_PENALTY_ASSESSED_AMT 12,5OO (letter O)
      4: (c) => [...c.slice(0, 8), '"12,5OO"', ...c.slice(9)].join(","),
      // line 6 (BRADFORD CREEK): row cut after 10 cells
      6: (c) => c.slice(0, 10).join(",")
    })
    const bytes = readFileSync(path)
    // a stray 0xFF byte inside FAC_NAME of line 3 (PITTS TRUCKING)
    const at = bytes.indexOf("PITTS TRUCKING")
    const withByte = Buffer.concat([bytes.subarray(0, at + 5), Buffer.from([0xff]), bytes.subarray(at + 5)])
    writeFileSync(path, withByte)
    const result = await run([path])
    expect(reconciles(result.summary)).toBe(true)
    expect(result.summary).toMatchObject({ rows: 28, accepted: 25, rejected: 3, skipped: 0 })
    expect(rejections(result)).toEqual([
      {
        file: "npdes_broken.csv",
        line: 2,
        row: 1,
        field: "settlement_entered_date",
        value: "02/30/2015",
        reason: "date does not exist on the calendar"
      },
      {
        file: "npdes_broken.csv",
        line: 4,
        row: 3,
        field: "fed_penalty_assessed_amt",
        value: "12,5OO",
        reason: "expected a decimal amount such as 1250 or 1,250.00"
      },
      expect.objectContaining({
        file: "npdes_broken.csv",
        line: 6,
        row: 5,
        field: "(row)",
        reason: "row has 10 fields, the header has 27"
      })
    ])
    const pitts = accepted(result).find((r) => r.source_row === 2)
    // a byte that is not UTF-8 makes the file Windows-1252 (Csv.ts CsvDecoder): 0xFF is ÿ
    expect(pitts?.company_name).toBe("PITTSÿ TRUCKING")
    expect(pitts?.company_slug).toBe("pittsy-trucking")
    expect(basename(pitts?.source_file ?? "")).toBe("npdes_broken.csv")
  })

  it("ECHO: impossible date, malformed amount, blank case number", async () => {
    const path = await broken(echoQuirks, "echo_broken.csv", {
      // line 3 (FLORIDA POWER CORP.): DateFiled 13/09/1978
      3: (c) => [...c.slice(0, 6), "13/09/1978", ...c.slice(7)].join(","),
      // line 5 (GENERAL DEVELOPMENT UTILITIES): FedPenalty 90000.005 (sub-cent)
      5: (c) => {
        c[c.length - 4] = "90000.005"
        return c.join(",")
      },
      // line 7 (PALMETTO): no CaseNumber
      7: (c) => ["", ...c.slice(1)].join(",")
    })
    const result = await run([path])
    expect(reconciles(result.summary)).toBe(true)
    expect(result.summary).toMatchObject({ rows: 31, accepted: 28, rejected: 3, skipped: 0 })
    expect(rejections(result).map((r) => [r.line, r.field, r.value, r.reason])).toEqual([
      [3, "datefiled", "13/09/1978", "date does not exist on the calendar"],
      [5, "fedpenalty", "90000.005", "amount has sub-cent digits"],
      [7, "casenumber", null, "case number is blank"]
    ])
  })
})
