import type { IsoDate, Slug, UsState, Violation } from "@ventureos/core"
import { cityKey, companyKey, parseEntityKey, stateKey } from "@ventureos/core"
import { itemSize, marshallItem } from "./AttributeValue"
import { feedSk, NATIONAL_FEED_PK } from "./Keys"
import type { ApplyFeedOptions, FeedItem } from "./Model"

/**
 * The live feed keeps the N newest live violations per (entity, agency). This file is the pure half of it,
 * shared by every ServingStore layer: which placements a batch makes, and what to put and delete given
 * what is stored. Reading the stored feed first and writing only the difference is what keeps write
 * amplification low: older violations that would be trimmed at once are never written, replays write
 * nothing, and trims delete exactly the known leftovers (no extra queries).
 */

/** DynamoDB's hard item limit. */
export const DYNAMODB_MAX_ITEM_BYTES = 400 * 1024
/** What we allow ourselves, leaving room for key attributes added later (summary patches...). */
export const MAX_ITEM_BYTES = 380 * 1024

/** The feed date: when it happened, else when the case was opened. */
export const feedDate = (v: Violation): IsoDate | null => v.event_date ?? v.opened_date

/** Sort key of a feed item. */
export const feedItemSk = (i: FeedItem): string => feedSk(i.agency, i.date, i.violation_id)

/** Newest first, exactly in DynamoDB's (UTF-8 byte) sort-key order, reversed. */
export const compareNewestFirst = (a: FeedItem, b: FeedItem): number =>
  -Buffer.compare(Buffer.from(feedItemSk(a)), Buffer.from(feedItemSk(b)))

const TRIM_MARK = "…[trimmed]"

/** Approximate stored size of a feed item (with its keys). */
export const feedItemSize = (i: FeedItem): number =>
  itemSize(marshallItem({ PK: i.entity_key, SK: feedItemSk(i), ...i }))

/**
 * Fit an item under DynamoDB's 400 KB limit instead of failing the batch: cut the longest agency details
 * first, then the description, then drop the details. Marks `details_trimmed`.
 */
export const fitFeedItem = (item: FeedItem, maxBytes: number = MAX_ITEM_BYTES): FeedItem => {
  if (feedItemSize(item) <= maxBytes) return item
  let details: Record<string, string | null> = { ...item.details }
  let out: FeedItem = { ...item, details_trimmed: true }
  const byLength = Object.entries(details)
    .filter((e): e is [string, string] => e[1] !== null)
    .sort((a, b) => b[1].length - a[1].length)
  for (const [k, v] of byLength) {
    if (v.length <= 1024) break
    details = { ...details, [k]: v.slice(0, 1024) + TRIM_MARK }
    out = { ...out, details }
    if (feedItemSize(out) <= maxBytes) return out
  }
  if (out.description !== null && out.description.length > 4096) {
    out = { ...out, description: out.description.slice(0, 4096) + TRIM_MARK }
    if (feedItemSize(out) <= maxBytes) return out
  }
  out = { ...out, details: {} }
  if (feedItemSize(out) <= maxBytes) return out
  // Pathological: huge names or hundreds of KB of text in 1024-char pieces; keep the record readable.
  return {
    ...out,
    description: out.description === null ? null : out.description.slice(0, 1024) + TRIM_MARK,
    company_name: out.company_name.slice(0, 1024),
    city: out.city === null ? null : out.city.slice(0, 256),
    violation_type_code: out.violation_type_code === null ? null : out.violation_type_code.slice(0, 256)
  }
}

/** The feed item of a violation under one entity; undefined when it has no date or is deleted. */
export const toFeedItem = (v: Violation, entityKey: string): FeedItem | undefined => {
  const date = feedDate(v)
  if (date === null || v.status === "deleted") return undefined
  return fitFeedItem({
    entity_key: entityKey as FeedItem["entity_key"],
    agency: v.agency,
    violation_id: v.violation_id,
    date,
    company_name: v.company_name,
    company_slug: v.company_slug,
    city: v.city,
    state: v.state,
    city_slug: v.city_slug,
    violation_type: v.violation_type,
    violation_type_code: v.violation_type_code,
    status: v.status,
    penalty_initial: v.penalty_initial,
    penalty_current: v.penalty_current,
    description: v.description,
    details: v.violation_details,
    details_trimmed: false,
    content_hash: v.content_hash,
    ingested_at: v.ingested_at
  })
}

/** The entity keys a violation is shown under: its company, its city (when known), its state (when known). */
export const placementKeys = (v: {
  readonly company_slug: string
  readonly city_slug: string | null
  readonly state: string | null
}): { readonly keys: ReadonlyArray<string>; readonly invalid: ReadonlyArray<string> } => {
  const candidates = [
    companyKey(v.company_slug as Slug),
    ...(v.city_slug === null ? [] : [cityKey(v.city_slug as Slug)]),
    ...(v.state === null ? [] : [stateKey(v.state as UsState)])
  ]
  return {
    keys: candidates.filter((k) => parseEntityKey(k) !== undefined),
    invalid: candidates.filter((k) => parseEntityKey(k) === undefined)
  }
}

/** One (entity, agency) feed touched by a batch, or the national feed of an agency. */
export interface FeedGroup {
  /** The partition the group's items live in: the entity key, or {@link NATIONAL_FEED_PK}. */
  readonly entityKey: string
  /** True for the national recent feed (its items carry their company's entity key; its size differs). */
  readonly national: boolean
  readonly agency: string
  /** New live versions to place (one per violation id). */
  readonly incoming: Array<FeedItem>
  /** Violation ids whose stored items here are superseded (replaced, moved or deleted). */
  readonly removeIds: Set<string>
}

/** Split a batch into per-(entity, agency) groups. The last version of a violation in the batch wins. */
export const groupFeedBatch = (
  violations: ReadonlyArray<Violation>,
  options?: ApplyFeedOptions
): {
  readonly groups: ReadonlyArray<FeedGroup>
  readonly noDate: number
  readonly invalidKeys: ReadonlyArray<string>
} => {
  const latest = new Map<string, Violation>()
  for (const v of violations) latest.set(v.violation_id, v)
  const groups = new Map<string, FeedGroup>()
  const invalidKeys: Array<string> = []
  const group = (entityKey: string, agency: string): FeedGroup => {
    const id = `${entityKey}|${agency}`
    let g = groups.get(id)
    if (g === undefined) {
      g = { entityKey, national: entityKey === NATIONAL_FEED_PK, agency, incoming: [], removeIds: new Set() }
      groups.set(id, g)
    }
    return g
  }
  let noDate = 0
  for (const v of latest.values()) {
    const { keys, invalid } = placementKeys(v)
    invalidKeys.push(...invalid)
    if (feedDate(v) === null && v.status !== "deleted") noDate++
    for (const k of keys) {
      const g = group(k, v.agency)
      g.removeIds.add(v.violation_id)
      const item = toFeedItem(v, k)
      if (item !== undefined) g.incoming.push(item)
    }
    // The national feed: the violation as shown under its company, kept among the agency's newest.
    const company = keys.find((k) => k.startsWith("COMPANY#"))
    if (company !== undefined) {
      const g = group(NATIONAL_FEED_PK, v.agency)
      g.removeIds.add(v.violation_id)
      const item = toFeedItem(v, company)
      if (item !== undefined) g.incoming.push(item)
    }
  }
  for (const p of options?.previous ?? []) {
    if (!latest.has(p.violation_id)) continue
    const { keys, invalid } = placementKeys(p)
    invalidKeys.push(...invalid)
    for (const k of keys) group(k, p.agency).removeIds.add(p.violation_id)
  }
  return { groups: [...groups.values()], noDate, invalidKeys }
}

/** What to write for one group. */
export interface GroupPlan {
  readonly puts: ReadonlyArray<FeedItem>
  readonly deletes: ReadonlyArray<FeedItem>
  readonly unchanged: number
  readonly skippedOld: number
  /** Incoming versions older (by `ingested_at`) than the stored version of the same violation: ignored. */
  readonly stale: number
  /** The stored feed once the plan is applied, newest first. */
  readonly final: ReadonlyArray<FeedItem>
}

const comparable = (i: FeedItem): string => {
  const { ingested_at: _i, summary: _s, ...rest } = i
  return JSON.stringify(rest, Object.keys(rest).sort())
}

/**
 * Plan one group: drop superseded ids from what is stored, keep the newest `size` of the rest plus the
 * incoming versions, then put only what is new or changed and delete only what fell out. Also repairs
 * leftovers of concurrent writers (more than `size` items, two items of one violation).
 */
export const planFeedGroup = (
  current: ReadonlyArray<FeedItem>,
  incomingVersions: ReadonlyArray<FeedItem>,
  removeIds: ReadonlySet<string>,
  size: number
): GroupPlan => {
  // A stale redelivery (an older version of a violation than the one stored here, by `ingested_at`) must not
  // revert a correction: the stored version stays.
  const storedAt = new Map<string, number>()
  for (const c of current)
    storedAt.set(c.violation_id, Math.max(storedAt.get(c.violation_id) ?? 0, Date.parse(c.ingested_at)))
  const isStale = (i: FeedItem) =>
    (storedAt.get(i.violation_id) ?? Number.NEGATIVE_INFINITY) > Date.parse(i.ingested_at)
  const staleIds = new Set(incomingVersions.filter(isStale).map((i) => i.violation_id))
  const incoming = incomingVersions.filter((i) => !staleIds.has(i.violation_id))
  const incomingIds = new Set(incoming.map((i) => i.violation_id))
  // One item per violation: two writers correcting the same violation at once can leave two; the latest
  // ingested version wins (then the newer sort key).
  const best = new Map<string, FeedItem>()
  for (const c of current) {
    const superseded = removeIds.has(c.violation_id) && !staleIds.has(c.violation_id)
    if (superseded || incomingIds.has(c.violation_id)) continue
    const other = best.get(c.violation_id)
    const cAt = Date.parse(c.ingested_at)
    const oAt = other === undefined ? Number.NEGATIVE_INFINITY : Date.parse(other.ingested_at)
    if (other === undefined || cAt > oAt || (cAt === oAt && compareNewestFirst(c, other) < 0))
      best.set(c.violation_id, c)
  }
  const kept = [...best.values()]
  const final = [...kept, ...incoming].sort(compareNewestFirst).slice(0, Math.max(0, size))
  const finalSks = new Set(final.map(feedItemSk))
  const currentBySk = new Map(current.map((c) => [feedItemSk(c), c]))
  const puts: Array<FeedItem> = []
  let unchanged = 0
  const result: Array<FeedItem> = []
  for (const f of final) {
    if (!incomingIds.has(f.violation_id)) {
      result.push(f)
      continue
    }
    const stored = currentBySk.get(feedItemSk(f))
    if (stored !== undefined && comparable(stored) === comparable(f)) {
      unchanged++
      // Keep a summary patched in after the original write.
      result.push(f.summary === undefined && stored.summary !== undefined ? stored : f)
    } else {
      const withSummary =
        f.summary === undefined && stored?.summary !== undefined && stored.content_hash === f.content_hash
          ? { ...f, summary: stored.summary }
          : f
      puts.push(withSummary)
      result.push(withSummary)
    }
  }
  const deletes = current.filter((c) => !finalSks.has(feedItemSk(c)))
  const skippedOld = incoming.filter((i) => !finalSks.has(feedItemSk(i))).length
  return { puts, deletes, unchanged, skippedOld, stale: staleIds.size, final: result }
}
