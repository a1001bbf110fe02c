import { describe, expect, it } from "vitest"
import {
  attributeValueSize,
  itemFromJson,
  itemSize,
  marshallItem,
  unmarshallItem
} from "../src/AttributeValue"
import {
  DYNAMODB_MAX_ITEM_BYTES,
  feedItemSize,
  fitFeedItem,
  groupFeedBatch,
  planFeedGroup,
  toFeedItem
} from "../src/Feed"
import { mapLegacyExport } from "../src/LegacyImport"
import { tableDefinitions, tableDefinitionsJson, tableNames } from "../src/Tables"
import { violation } from "./fixtures"

describe("AttributeValue", () => {
  it("round-trips records and measures sizes as DynamoDB documents", () => {
    const rec = { a: "x", n: 12, b: true, z: null, l: ["p", 1], m: { k: "v" } }
    expect(unmarshallItem(marshallItem(rec))).toEqual(rec)
    expect(attributeValueSize({ S: "héllo" })).toBe(6)
    expect(attributeValueSize({ N: "12345" })).toBe(4)
    expect(itemSize({ PK: { S: "COMPANY#a" }, n: { BOOL: true } })).toBe(2 + 9 + 1 + 1)
  })

  it("reads exported JSON and says why a value is malformed", () => {
    expect(itemFromJson({ PK: { S: "x" }, v: { L: [{ N: "1" }, { M: { a: { NULL: true } } }] } })).toEqual({
      PK: { S: "x" },
      v: { L: [{ N: "1" }, { M: { a: { NULL: true } } }] }
    })
    expect(itemFromJson({ PK: { S: 1 } })).toBe("$.PK.S: expected a string")
    expect(itemFromJson({ PK: { S: "a", N: "1" } })).toMatch(/exactly one of/)
    expect(itemFromJson({ v: { N: "abc" } })).toBe("$.v.N: expected a number string")
  })
})

describe("feed planning (pure)", () => {
  const item = (id: string, date: string, key = "COMPANY#acme-widgets") =>
    toFeedItem(violation({ id, date }), key)!

  it("keeps the N newest, puts only what is new, deletes only what fell out", () => {
    const current = [item("1", "2024-01-01"), item("2", "2024-01-02"), item("3", "2024-01-03")]
    const plan = planFeedGroup(current, [item("4", "2024-01-04"), item("0", "2023-01-01")], new Set(), 3)
    expect(plan.puts.map((p) => p.violation_id)).toEqual(["osha:osha_test:4"])
    expect(plan.deletes.map((p) => p.violation_id)).toEqual(["osha:osha_test:1"])
    expect(plan.skippedOld).toBe(1)
    expect(plan.final.map((f) => f.date)).toEqual(["2024-01-04", "2024-01-03", "2024-01-02"])
  })

  it("repairs leftovers of concurrent writers: more than N items, two items of one violation", () => {
    const stale = item("2", "2024-01-01")
    const current = [
      item("1", "2024-01-05"),
      item("2", "2024-01-04"),
      stale,
      item("3", "2024-01-03"),
      item("4", "2024-01-02")
    ]
    const plan = planFeedGroup(current, [], new Set(), 3)
    expect(plan.puts).toEqual([])
    expect(plan.deletes.map((d) => `${d.violation_id}@${d.date}`).sort()).toEqual([
      "osha:osha_test:2@2024-01-01",
      "osha:osha_test:4@2024-01-02"
    ])
  })

  it("groups a batch per (entity, agency); the last version of a violation wins", () => {
    const { groups, noDate } = groupFeedBatch([
      violation({ id: "1", date: "2024-01-01" }),
      violation({ id: "1", date: "2024-02-01" }),
      violation({ agency: "epa", id: "9", date: null, city: null, state: null })
    ])
    expect(noDate).toBe(1)
    expect(groups.map((g) => `${g.entityKey}|${g.agency}|${g.incoming.map((i) => i.date).join()}`)).toEqual([
      "COMPANY#acme-widgets|osha|2024-02-01",
      "CITY#austin-tx|osha|2024-02-01",
      "STATE#tx|osha|2024-02-01",
      "FEED#national|osha|2024-02-01",
      "COMPANY#acme-widgets|epa|",
      "FEED#national|epa|"
    ])
    expect(groups.filter((g) => g.national).map((g) => g.incoming[0]?.entity_key)).toEqual([
      "COMPANY#acme-widgets",
      undefined
    ])
  })

  it("fits items under 400 KB: longest details first, then description, marking the item", () => {
    const small = item("1", "2024-01-01")
    expect(fitFeedItem(small)).toBe(small)
    const big = toFeedItem(
      violation({
        id: "2",
        date: "2024-01-01",
        description: "é".repeat(100_000),
        details: { a: "x".repeat(300_000), b: "y".repeat(200), c: null }
      }),
      "COMPANY#acme-widgets"
    )!
    expect(big.details_trimmed).toBe(true)
    expect(feedItemSize(big)).toBeLessThan(DYNAMODB_MAX_ITEM_BYTES)
    expect(big.details.b).toBe("y".repeat(200))
    expect(big.details.a!.endsWith("…[trimmed]")).toBe(true)
    const worst = toFeedItem(
      violation({
        id: "3",
        date: "2024-01-01",
        description: "d".repeat(500_000),
        details: { a: "x".repeat(500_000) }
      }),
      "COMPANY#acme-widgets"
    )!
    expect(feedItemSize(worst)).toBeLessThan(DYNAMODB_MAX_ITEM_BYTES)
  })
})

describe("tables", () => {
  it("derives names from a per-environment prefix and exports definitions for IaC", () => {
    expect(tableNames("VentureOS-dev")).toEqual({
      entities: "VentureOS-dev-Entities",
      violations: "VentureOS-dev-Violations",
      projects: "VentureOS-dev-Projects",
      search: "VentureOS-dev-Search"
    })
    expect(() => tableNames("bad prefix")).toThrow()
    expect(tableDefinitions().map((d) => d.TableName)).toEqual([
      "VentureOS-Entities",
      "VentureOS-Violations",
      "VentureOS-Projects",
      "VentureOS-Search"
    ])
    const json = JSON.parse(tableDefinitionsJson("p"))
    expect(json[0]).toEqual({
      TableName: "p-Entities",
      AttributeDefinitions: [
        { AttributeName: "PK", AttributeType: "S" },
        { AttributeName: "SK", AttributeType: "S" }
      ],
      KeySchema: [
        { AttributeName: "PK", KeyType: "HASH" },
        { AttributeName: "SK", KeyType: "RANGE" }
      ],
      BillingMode: "PAY_PER_REQUEST"
    })
  })
})

describe("legacy brand import mapper", () => {
  const line = (o: unknown) => JSON.stringify(o)
  it("merges config, theme and navigation items; unwraps export wrappers; reports the rest", () => {
    const text = [
      line({
        Item: {
          PK: { S: "BRAND#oshatrail" },
          SK: { S: "METADATA" },
          name: { S: "OSHA Trail" },
          domain: { S: "oshatrail.com" },
          agencies: { S: "OSHA, epa" },
          navigation: { S: JSON.stringify([{ label: "Top", href: "/top" }]) },
          updatedAt: { S: "2025-03-04T05:06:07Z" }
        }
      }),
      line({
        PK: { S: "BRAND#oshatrail" },
        SK: { S: "THEME" },
        colors: { M: { primary: { S: "#112233" } } }
      }),
      line({ PK: { S: "BRAND#oshatrail" }, SK: { S: "NAV#1" }, label: { S: "Feed" }, url: { S: "/feed" } }),
      line({ PK: { S: "BRAND#oshatrail" }, SK: { S: "AUDIT#1" }, who: { S: "x" } }),
      "",
      line({ PK: { N: "1" } }),
      line({ PK: { S: "BRAND#nocolor" }, SK: { S: "CONFIG" }, name: { S: "No Agencies" } }),
      line({ PK: { X: "bad" } })
    ].join("\n")
    const r = mapLegacyExport(text, "2026-01-01T00:00:00.000Z")
    expect(r.lines).toBe(7)
    expect(r.brands).toHaveLength(1)
    const b = r.brands[0]!
    expect(b).toMatchObject({
      id: "oshatrail",
      name: "OSHA Trail",
      domain: "oshatrail.com",
      agencies: ["osha", "epa"],
      layout: "dashboard",
      updated_at: "2025-03-04T05:06:07Z"
    })
    expect(b.colors.primary).toBe("#112233")
    expect(b.navigation).toEqual([
      { label: "Top", href: "/top" },
      { label: "Feed", href: "/feed" }
    ])
    expect(r.problems.map((p) => [p.line, p.key])).toEqual([
      [4, "BRAND#oshatrail / AUDIT#1"],
      [6, null],
      [8, null],
      [0, "BRAND#nocolor"]
    ])
    expect(r.problems[3]!.reason).toMatch(/agencies/)
    expect(r.warnings.map((w) => w.key)).toEqual(["BRAND#oshatrail", "BRAND#nocolor"])
  })
})

describe("subpaths", () => {
  it("@ventureos/serving never reaches the AWS SDK or dynalite (handlers bundle only what they use)", async () => {
    const { readFileSync } = await import("node:fs")
    const { dirname, join } = await import("node:path")
    const { fileURLToPath } = await import("node:url")
    const dir = join(dirname(fileURLToPath(import.meta.url)), "../src")
    const seen = new Set<string>()
    const externals = new Set<string>()
    const visit = (file: string) => {
      if (seen.has(file)) return
      seen.add(file)
      const src = readFileSync(join(dir, `${file}.ts`), "utf8")
      for (const m of src.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)) {
        const spec = m[1]!
        if (spec.startsWith("./")) visit(spec.slice(2))
        else externals.add(spec)
      }
    }
    visit("index")
    expect([...externals].sort()).toEqual(["@ventureos/core", "effect"])
  })
})
