import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { Violation } from "@ventureos/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { normalizeEntityType, repairFaaText, respondentKind } from "../../src/faa/text"
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
import { normalizeAll, type RunResult, reconciles, scratch } from "../run/harness"

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "faa")
const quirks = join(FIXTURES, "golden", "faa_quirks.csv")
const sample = join(FIXTURES, "sample", "faa_closed_enforcement_cases.sample.csv")
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

describe("FAA closed enforcement cases: golden rows", () => {
  let result: RunResult
  let byId: Map<string, Violation>
  beforeAll(async () => {
    result = await run([quirks])
    byId = new Map(accepted(result).map((r) => [r.source_record_id, r]))
  })

  it("matches the reviewed golden output exactly (UPDATE_GOLDEN=1 to regenerate)", () => {
    expectGolden(result, quirks)
  })

  it("accounts for every row: blank respondent rejected, exact duplicate skipped, id conflicts rejected", () => {
    expect(reconciles(result.summary)).toBe(true)
    expect(result.summary).toMatchObject({ rows: 22, accepted: 18, rejected: 3, skipped: 1 })
    expect(rejections(result).map((r) => [r.line, r.field, r.reason.replace(/ \(.*\)$/, "")])).toEqual([
      [8, "company_name", "company / respondent name is blank"],
      [22, "violation_id", "duplicate violation id with different content"],
      [23, "violation_id", "duplicate violation id with different content"]
    ])
    const skipped = result.outcomes.filter((o) => o._tag === "skipped")
    expect(skipped).toEqual([
      expect.objectContaining({ line: 18, reason: expect.stringMatching(/^exact duplicate row/) })
    ])
  })

  it("ids are case number + respondent slug: consolidated cases keep one record per respondent", () => {
    expect(byId.get("2008GL070135-crucial-air-support")?.violation_id).toBe(
      "faa:faa_enforcement_case:2008GL070135-crucial-air-support"
    )
    const consolidated = byId.get("2008GL070135-doe-john-a")
    expect(consolidated).toMatchObject({
      company_name: "DOE, JOHN A",
      company_slug: "doe-john-a",
      penalty_initial: null,
      penalty_current: null,
      violation_type: "civil_penalty",
      violation_type_code: "ORD ASSESS CIVIL PENALTY CONSOLIDATED CASE"
    })
    expect(consolidated?.violation_details).toMatchObject({
      action: "ORD ASSESS CIVIL PENALTY CONSOLIDATE D CASE",
      sanction: "CONSOLIDATE D CASE",
      "sanction.normalized": "CONSOLIDATED CASE",
      "entity type": "APPROVD RPR STA",
      "entity type.normalized": "APPROVD REPAIR STA",
      respondent_kind: "individual"
    })
  })

  it("reads dates as 1/1/17, 1-Jan-17 and ISO (with a time part): DATE KNOWN -> event, CLOSED DATE -> closed", () => {
    expect(byId.get("2008GL070135-doe-john-a")).toMatchObject({
      event_date: "2008-09-22",
      closed_date: "2010-01-04"
    })
    expect(byId.get("2017EA990001-doe-jane-b")).toMatchObject({
      event_date: "2017-01-01",
      closed_date: "2018-03-15"
    })
    expect(byId.get("2017EA990003-example-helicopters")).toMatchObject({
      event_date: "2017-03-06",
      closed_date: "2017-09-28"
    })
    expect(byId.get("2017EA990007-example-aviation-services")?.closed_date).toBe("2018-03-05")
    for (const r of accepted(result)) expect(r).toMatchObject({ status: "closed", opened_date: null })
  })

  it("repairs words split by PDF extraction and keeps the raw text in details", () => {
    const split = byId.get("2017EA990001-doe-jane-b")
    expect(split).toMatchObject({
      violation_type: "certificate_action",
      violation_type_code: "CERTIFICATE REVOCATION",
      description: "REVOCATION MAINTENANCE"
    })
    expect(split?.violation_details).toMatchObject({
      action: "CERTIFICATE REVOCATION 1",
      "case type": "REVOCATIO N MAINTENANCE"
    })
    expect(byId.get("2017EA990003-example-helicopters")?.violation_details).toMatchObject({
      "sanction.normalized": "INDEFINITE DURATION",
      "case type.normalized": "REVOCATION FLT OPNS"
    })
    expect(byId.get("2007WP190107-primaris-airlines")?.description).toBe("RECORDS/RPTS")
    expect(byId.get("2017EA990005-example-air-cargo")?.violation_details["sanction.normalized"]).toBe(
      "CONSOLIDATED CASE"
    )
  })

  it("keeps a blank sanction amount null, never 0; SANCTION WAIVED means nothing is due", () => {
    // revoked: no money
    expect(byId.get("2017EA990001-doe-jane-b")).toMatchObject({
      penalty_initial: null,
      penalty_current: null
    })
    // waived with the amount published: assessed 10,000, due 0
    expect(byId.get("2009NM070066-scenic-aviation")).toMatchObject({
      penalty_initial: "10000.00",
      penalty_current: "0.00",
      violation_type: "compliance_order"
    })
    // waived without an amount: assessed unknown, due 0
    expect(byId.get("2007WP190107-primaris-airlines")).toMatchObject({
      penalty_initial: null,
      penalty_current: "0.00"
    })
    expect(byId.get("2017EA990004-example-flight-academy")).toMatchObject({
      penalty_initial: "12500.00",
      penalty_current: "12500.00",
      violation_type_code: "ORD ASSESS CIVIL PENALTY"
    })
    expect(byId.get("2019NM410003-boeing")?.penalty_current).toBe("27178778.00")
  })

  it("reads a DAYS sanction as a suspension length, not money", () => {
    const days = byId.get("2017EA990002-doe-richard-c")
    expect(days).toMatchObject({
      penalty_initial: null,
      penalty_current: null,
      violation_type: "certificate_action",
      violation_type_code: "CERT SUSPEND"
    })
    expect(days?.violation_details).toMatchObject({ "sanction amount": "30", suspension_days: "30" })
  })

  it("maps ACTION (then SANCTION) to the cross-agency vocabulary", () => {
    const types = Object.fromEntries(
      accepted(result).map((r) => [r.violation_type_code ?? "(blank)", r.violation_type])
    )
    expect(types).toEqual({
      "ORD ASSESS CIVIL PENALTY": "civil_penalty",
      "ORD ASSESS CIVIL PENALTY CONSOLIDATED CASE": "civil_penalty",
      "CONSENT ORDER": "compliance_order",
      "(blank)": "unclassified",
      "CERTIFICATE REVOCATION": "certificate_action",
      "CERT SUSPEND": "certificate_action",
      "CERTIFICATE SUSPENSION": "certificate_action",
      "CONSOLIDATED CASE": "unclassified",
      "ORD ASSESS CP HMT": "civil_penalty",
      "CP COMPROMISE NO FINDING": "civil_penalty",
      CERTIFICATE: "certificate_action",
      "CIVIL PENALTY": "civil_penalty"
    })
  })

  it("marks individuals as respondents; has no address or state", () => {
    expect(byId.get("2013AL030112-lepping-kurt-m")).toMatchObject({
      company_name: "LEPPING, KURT M",
      company_slug: "lepping-kurt-m",
      event_date: null,
      address: null,
      city: null,
      state: null,
      zip: null,
      city_slug: null
    })
    expect(byId.get("2013AL030112-lepping-kurt-m")?.violation_details.respondent_kind).toBe("individual")
    expect(byId.get("2008GL070135-crucial-air-support")?.violation_details.respondent_kind).toBe(
      "organization"
    )
    expect(byId.get("2012EA700034-royal-air-maroc")).toMatchObject({
      violation_type: "unclassified",
      violation_type_code: null,
      event_date: null,
      closed_date: null,
      penalty_current: null
    })
  })

  it("puts every published column in violation_details", async () => {
    const header = (await readHeader(quirks)).map((h) => h.toLowerCase())
    // non-blank values only, published columns first in header order (a blank cell has no key)
    for (const r of accepted(result)) {
      const published = Object.keys(r.violation_details).filter((k) => header.includes(k))
      expect(published).toEqual(header.filter((h) => h in r.violation_details))
      expect(Object.keys(r.violation_details).slice(0, published.length)).toEqual(published)
      for (const v of Object.values(r.violation_details)) expect(v?.trim()).toBeTruthy()
    }
  })
})

describe("FAA text rules", () => {
  it("joins only known split words", () => {
    expect(repairFaaText("CONSOLIDAT ED CASE")).toBe("CONSOLIDATED CASE")
    expect(repairFaaText("CONSOLID ATED CASE")).toBe("CONSOLIDATED CASE")
    expect(repairFaaText("REVOCATI ON OTHER")).toBe("REVOCATION OTHER")
    expect(repairFaaText("CERTIFICATE REVOCATION .")).toBe("CERTIFICATE REVOCATION")
    expect(repairFaaText("HAZ MAT")).toBe("HAZ MAT")
    expect(repairFaaText("   ")).toBeNull()
  })
  it("folds entity type spellings", () => {
    expect(normalizeEntityType("A/C or COMM OPER")).toBe(normalizeEntityType("A/C OR COMM OPER"))
    expect(normalizeEntityType("CERTIFICATE SHCOOL")).toBe("CERTIFICATE SCHOOL")
    expect(normalizeEntityType("AIR CARRIER ON DMAND")).toBe("AIR CARRIER ON DEMAND")
  })
  it("tells people from companies", () => {
    expect(respondentKind("LEPPING, KURT M")).toBe("individual")
    expect(respondentKind("SMITH, JOHN JR")).toBe("individual")
    expect(respondentKind("AMERICAN EAGLE AIRLINES, INC")).toBe("organization")
    expect(respondentKind("PACIFIC WINGS L L C")).toBe("organization")
    expect(respondentKind("ROYAL AIR MAROC")).toBe("organization")
  })
})

describe("FAA real sample file", () => {
  it("reconciles: 10 rows, all accepted", async () => {
    const result = await run([sample])
    expect(reconciles(result.summary)).toBe(true)
    expect(result.summary).toMatchObject({ rows: 10, accepted: 10, rejected: 0, skipped: 0 })
    expect(accepted(result).map((r) => r.source_record_id)).toEqual([
      "2008GL070135-crucial-air-support",
      "2007WP190107-primaris-airlines",
      "2006WP700166-mesa-airlines",
      "2007WP700017-mesa-airlines",
      "2008SO950034-pacific-wings",
      "2010NM410012-boeing-commercial-airplanes",
      "2010NM410014-boeing-commercial-airplanes",
      "2009NM070066-scenic-aviation",
      "2012EA700034-royal-air-maroc",
      "2013AL030112-lepping-kurt-m"
    ])
  })

  it("gives the same ids and content hashes on a re-ingest", async () => {
    const a = accepted(await run([sample]))
    const b = accepted(await run([sample]))
    expect(b.map((r) => [r.violation_id, r.content_hash])).toEqual(
      a.map((r) => [r.violation_id, r.content_hash])
    )
  })

  it("is detected from its header (--agency auto) and refused under --agency epa", async () => {
    const registry = makeRegistry(PLUGINS)
    expect(detect(registry, await readHeader(sample))?.dataset.id).toBe("faa_enforcement_case")
    expect((await run([sample], "auto")).summary.agencies).toEqual(["faa"])
    const error = await run([sample], "epa").catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CsvFileError)
    expect((error as CsvFileError).message).toMatch(
      /faa_closed_enforcement_cases\.sample\.csv: unrecognised header/
    )
  })
})

describe("FAA bad rows affect only their row", () => {
  let dir: Awaited<ReturnType<typeof scratch>>
  beforeAll(async () => {
    dir = await scratch()
  })
  afterAll(() => dir.cleanup())

  it("keeps extra columns of some reports (MASTER #) in details", async () => {
    const lines = readFileSync(sample, "utf8").split("\r\n")
    const extended = lines.map((l, i) =>
      l === "" ? l : `${l},${i === 0 ? "MASTER #" : i === 1 ? "2008GL070099" : ""}`
    )
    const path = await dir.write("faa_master.csv", extended.join("\r\n"))
    const result = await run([path])
    expect(result.summary).toMatchObject({ rows: 10, accepted: 10 })
    expect(result.summary.files[0]?.dataset).toBe("faa_enforcement_case")
    expect(accepted(result)[0]?.violation_details["master #"]).toBe("2008GL070099")
    expect(accepted(result)[1]?.violation_details).not.toHaveProperty("master #")
  })

  it("impossible date, malformed amount, short row, invalid byte", async () => {
    const lines = readFileSync(sample, "utf8").split("\r\n")
    // line 2: DATE KNOWN 31-Feb-08; line 3: SANCTION AMOUNT 5OOO; line 5: cut short; line 6: 0xFF in NAME
    lines[1] = lines[1]!.replace("2008-09-22", "31-Feb-08")
    lines[2] = lines[2]!.replace(",,SANCTION WAIVED", ",5OOO,SANCTION WAIVED")
    lines[4] = lines[4]!.split(",").slice(0, 4).join(",")
    const text = lines.join("\r\n")
    const at = Buffer.from(text.slice(0, text.indexOf("PACIFIC WINGS") + 7))
    const path = await dir.write(
      "faa_broken.csv",
      Buffer.concat([at, Buffer.from([0xff]), Buffer.from(text.slice(text.indexOf("PACIFIC WINGS") + 7))])
    )
    const result = await run([path])
    expect(reconciles(result.summary)).toBe(true)
    expect(result.summary).toMatchObject({ rows: 10, accepted: 7, rejected: 3, skipped: 0 })
    expect(rejections(result)).toEqual([
      {
        file: "faa_broken.csv",
        line: 2,
        row: 1,
        field: "date known",
        value: "31-Feb-08",
        reason: "date does not exist on the calendar"
      },
      {
        file: "faa_broken.csv",
        line: 3,
        row: 2,
        field: "sanction amount",
        value: "5OOO",
        reason: "expected a decimal amount such as 1250 or 1,250.00"
      },
      expect.objectContaining({
        file: "faa_broken.csv",
        line: 5,
        row: 4,
        field: "(row)",
        reason: "row has 4 fields, the header has 9"
      })
    ])
    const wings = accepted(result).find((r) => r.source_row === 5)
    // not UTF-8: the file is read as Windows-1252 (0xFF is ÿ), never U+FFFD
    expect(wings).toMatchObject({ company_name: "PACIFICÿ WINGS L L C", company_slug: "pacificy-wings" })
  })
})
