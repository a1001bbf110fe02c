import { createHash } from "node:crypto"
import {
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandOutput,
  UpdateItemCommand
} from "@aws-sdk/client-dynamodb"
import { EntityStats, OffenderScore, ScoreBoard, TopList } from "@ventureos/core"
import { Config, Effect, Layer, Option, Schema } from "effect"
import {
  ALIAS_SK,
  aliasFingerprint,
  EntityAlias,
  liveAlias,
  requireAliasKey,
  validateAliases
} from "./AliasItems"
import { type AttributeMap, marshall, marshallItem, unmarshallItem } from "./AttributeValue"
import { batchGet, batchWrite, type WriteOp } from "./BatchWriter"
import { BrandConfig } from "./BrandConfig"
import { awsErrorName, type Client, fromSdk, send, toSdk } from "./DynamoClient"
import { compareNewestFirst, type FeedGroup, feedItemSk, planFeedGroup } from "./Feed"
import {
  agencyOfViolationId,
  brandServesHost,
  historyFingerprint,
  profileFingerprint,
  statsFingerprint,
  topListFingerprint,
  validateBrand,
  validateFeedBatch,
  validateHistories,
  validateProfiles,
  validateSearch,
  validateSearchEntries,
  validateStats,
  validateSummary,
  validateTopLists
} from "./Inputs"
import {
  BRAND_SK,
  brandPk,
  checkAgency,
  checkBrandId,
  checkStatsAgency,
  checkTopBy,
  checkTopScope,
  checkViolationId,
  feedPrefix,
  HISTORY_SK,
  METADATA_SK,
  NATIONAL_FEED_PK,
  SEARCH_DOC_SK,
  STATS_PREFIX,
  SUMMARY_SK,
  statsSk,
  summaryPk,
  termPk,
  topPk,
  topSk,
  VOCAB_SK,
  vocabPk
} from "./Keys"
import { mapLegacyExport } from "./LegacyImport"
import { EntityHistory, EntityProfile, FeedItem, SearchEntry, ViolationSummary } from "./Model"
import {
  requireCompanyKey,
  requireScoreScope,
  SCORE_BOARD_SK,
  SCORE_SK,
  scoreBoardFingerprint,
  scoreBoardPk,
  scoreFingerprint,
  validateScoreBoards,
  validateScores
} from "./ScoreItems"
import {
  type Candidate,
  chooseTerms,
  correctedKeys,
  docCandidate,
  missingVocab,
  parseVocab,
  planSearch,
  planSearchWrite,
  postingsLimit,
  rankCandidates,
  type SearchDoc
} from "./Search"
import {
  checkFeedSize,
  checkRecent,
  DEFAULT_FEED_SIZE,
  DEFAULT_RECENT_SIZE,
  feedReport,
  isNewer,
  recentOf,
  requireEntityKey,
  requireFeedKey,
  requireHost,
  ServingStore,
  type ServingStoreShape,
  topPerAgency,
  withSummary
} from "./ServingStore"
import { ServingStoreError } from "./ServingStoreError"
import {
  BY_VIOLATION_INDEX,
  DEFAULT_TABLE_PREFIX,
  SEARCH_RANK_INDEX,
  type TableNames,
  tableDefinitions,
  tableNames
} from "./Tables"

// ---------------------------------------------------------------------------------------------------------
// Storage shape: pure toItem / fromItem. Attributes are the record's own fields plus PK, SK and `fp` (the
// fingerprint compared before writing absolute values).

const KEY_ATTRS = ["PK", "SK", "fp"] as const

const fp = (canonical: string): string =>
  createHash("sha256").update(canonical).digest("base64url").slice(0, 22)

/** An item: keys plus the record's fields. */
export const toItem = (pk: string, sk: string, record: object, fingerprint?: string): AttributeMap =>
  marshallItem({ ...record, PK: pk, SK: sk, ...(fingerprint === undefined ? {} : { fp: fingerprint }) })

const stripKeys = (item: AttributeMap): Record<string, unknown> => {
  const plain: Record<string, unknown> = { ...unmarshallItem(item) }
  for (const k of KEY_ATTRS) delete plain[k]
  return plain
}

/** Decode an item with the record's Schema (the boundary: tables may hold anything). */
export const fromItem =
  <A>(decode: (u: unknown) => A, what: string) =>
  (item: AttributeMap): Effect.Effect<A, ServingStoreError> =>
    Effect.try({
      try: () => decode(stripKeys(item)),
      catch: (e) =>
        new ServingStoreError({
          reason: "InvalidItem",
          operation: `decode ${what}`,
          detail:
            `${JSON.stringify(item.PK)} ${JSON.stringify(item.SK)}: ${e instanceof Error ? e.message : String(e)}`.slice(
              0,
              1000
            ),
          cause: e
        })
    })

const decodeProfile = fromItem(Schema.decodeUnknownSync(EntityProfile), "profile")
const decodeStats = fromItem(Schema.decodeUnknownSync(EntityStats), "stats")
const decodeTopList = fromItem(Schema.decodeUnknownSync(TopList), "top list")
const decodeFeedItem = fromItem(Schema.decodeUnknownSync(FeedItem), "feed item")
const decodeSummary = fromItem(Schema.decodeUnknownSync(ViolationSummary), "summary")
const decodeBrand = fromItem(Schema.decodeUnknownSync(BrandConfig), "brand")
const decodeHistory = fromItem(Schema.decodeUnknownSync(EntityHistory), "history")
const decodeScore = fromItem(Schema.decodeUnknownSync(OffenderScore), "score")
const decodeAlias = fromItem(Schema.decodeUnknownSync(EntityAlias), "alias")
const decodeScoreBoard = fromItem(Schema.decodeUnknownSync(ScoreBoard), "score board")

/** The Search table's doc item: the entry plus the terms it is posted under (see `Search.ts`). */
const SearchDocItem = Schema.Struct({
  ...SearchEntry.fields,
  terms: Schema.Array(Schema.String),
  pending: Schema.Array(Schema.String),
  entry_fp: Schema.String
})
/** A posting item (besides its keys and `rank`). */
const PostingItem = Schema.Struct({
  entity_key: Schema.String,
  display_name: Schema.String,
  place: Schema.NullOr(Schema.String),
  violation_count: Schema.Number,
  words: Schema.String
})
const decodeSearchDoc = fromItem(
  (u) => Schema.decodeUnknownSync(SearchDocItem)(u) as unknown as SearchDoc,
  "search doc"
)
const decodePosting = fromItem(Schema.decodeUnknownSync(PostingItem), "search posting")

const searchDocItem = (d: SearchDoc): AttributeMap => toItem(d.entity_key, SEARCH_DOC_SK, d)

const str = (item: AttributeMap, name: string): string | undefined => {
  const v = item[name]
  return v !== undefined && "S" in v ? v.S : undefined
}

// ---------------------------------------------------------------------------------------------------------

/** A feed item and the partition it is stored in. */
interface Placed {
  readonly pk: string
  readonly item: FeedItem
}

/** Options of the DynamoDB driver. */
export interface DynamoOptions {
  /** Use this client (its lifetime is the caller's); otherwise one is created from the fields below. */
  readonly client?: DynamoDBClient
  /** Endpoint override (DynamoDB Local, dynalite). Default: the SDK's (AWS, or `AWS_ENDPOINT_URL_*`). */
  readonly endpoint?: string
  readonly region?: string
  /** Static credentials (local endpoints accept any). Default: the SDK's provider chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string }
  /** Table-name prefix per environment (default `VentureOS`). */
  readonly tablePrefix?: string
  /** N: feed items kept per (entity, agency) (default 5). */
  readonly feedSize?: number
  /** Items kept per agency in the national recent feed (default 50). */
  readonly recentSize?: number
  /** Requests in flight per operation (default 16). */
  readonly concurrency?: number
  /** Re-read each written feed after writing and trim leftovers of concurrent writers (default true). */
  readonly reconcileFeed?: boolean
  /** Create missing tables when the layer is built (default false; `setup()` does it on demand). */
  readonly setup?: boolean
}

const validateOptions = (o: DynamoOptions): ServingStoreError | undefined => {
  try {
    tableNames(o.tablePrefix ?? DEFAULT_TABLE_PREFIX)
    checkFeedSize(o.feedSize ?? DEFAULT_FEED_SIZE)
    checkFeedSize(o.recentSize ?? DEFAULT_RECENT_SIZE, "recent feed size")
    return undefined
  } catch (e) {
    return new ServingStoreError({ reason: "InvalidInput", operation: "layer", detail: String(e) })
  }
}

/** Build the service over a client (throws a RangeError on an invalid prefix or feed size). */
export const make = (client: Client, options: DynamoOptions = {}): ServingStoreShape => {
  const tables: TableNames = tableNames(options.tablePrefix ?? DEFAULT_TABLE_PREFIX)
  const feedSize = checkFeedSize(options.feedSize ?? DEFAULT_FEED_SIZE)
  const recentSize = checkFeedSize(options.recentSize ?? DEFAULT_RECENT_SIZE, "recent feed size")
  const sizeOf = (g: FeedGroup) => (g.national ? recentSize : feedSize)
  const concurrency = options.concurrency ?? 16
  const reconcile = options.reconcileFeed ?? true

  const query = (operation: string, input: QueryCommandInput, limit?: number) =>
    Effect.gen(function* () {
      const out: Array<AttributeMap> = []
      let start: QueryCommandInput["ExclusiveStartKey"]
      do {
        const page = yield* send(operation, (abortSignal) =>
          client.send(
            new QueryCommand({
              ...input,
              ConsistentRead: true,
              ...(start === undefined ? {} : { ExclusiveStartKey: start })
            }),
            { abortSignal }
          )
        )
        for (const i of page.Items ?? []) out.push(fromSdk(i))
        start = page.LastEvaluatedKey
      } while (start !== undefined && (limit === undefined || out.length < limit))
      return out
    })

  const queryPrefix = (
    operation: string,
    table: string,
    pk: string,
    prefix: string,
    newestFirst = false,
    limit?: number
  ) =>
    query(
      operation,
      {
        TableName: table,
        KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :prefix)",
        ExpressionAttributeNames: { "#pk": "PK", "#sk": "SK" },
        ExpressionAttributeValues: toSdk({ ":pk": { S: pk }, ":prefix": { S: prefix } }),
        ScanIndexForward: !newestFirst,
        ...(limit === undefined ? {} : { Limit: limit })
      },
      limit
    )

  const getItem = (operation: string, table: string, pk: string, sk: string) =>
    Effect.map(
      send(operation, (abortSignal) =>
        client.send(
          new GetItemCommand({
            TableName: table,
            Key: toSdk({ PK: { S: pk }, SK: { S: sk } }),
            ConsistentRead: true
          }),
          { abortSignal }
        )
      ),
      (r) => (r.Item === undefined ? Option.none<AttributeMap>() : Option.some(fromSdk(r.Item)))
    )

  const decodeOption = <A>(
    o: Option.Option<AttributeMap>,
    decode: (i: AttributeMap) => Effect.Effect<A, ServingStoreError>
  ) =>
    Option.match(o, { onNone: () => Effect.succeedNone, onSome: (i) => Effect.map(decode(i), Option.some) })

  /** Write items whose fingerprint differs from the stored one (compare before write). */
  const putChanged = (
    operation: string,
    table: string,
    received: number,
    entries: ReadonlyArray<{
      readonly pk: string
      readonly sk: string
      readonly fp: string
      readonly record: object
      /** `updated_at` of the record: a stored record with a later one is newer and stays. */
      readonly updatedAt?: string
    }>
  ) =>
    Effect.gen(function* () {
      const stored = yield* batchGet(
        client,
        table,
        entries.map((e) => ({ PK: { S: e.pk }, SK: { S: e.sk } })),
        concurrency,
        [...KEY_ATTRS, "updated_at"]
      )
      const byKey = new Map(stored.map((i) => [`${str(i, "PK")}\u0000${str(i, "SK")}`, i]))
      let stale = 0
      const changed = entries.filter((e) => {
        const old = byKey.get(`${e.pk}\u0000${e.sk}`)
        const oldAt = old === undefined ? undefined : str(old, "updated_at")
        if (oldAt !== undefined && e.updatedAt !== undefined && isNewer(oldAt, e.updatedAt)) {
          stale++
          return false
        }
        return old === undefined || str(old, "fp") !== e.fp
      })
      const written = yield* batchWrite(
        client,
        changed.map((e): WriteOp => ({ table, put: toItem(e.pk, e.sk, e.record, e.fp) })),
        concurrency
      )
      return { received, written, unchanged: entries.length - written - stale, stale }
    }).pipe(Effect.withSpan(`ServingStore.${operation}`))

  const waitActive = (table: string) =>
    Effect.gen(function* () {
      for (let i = 0; i < 600; i++) {
        const d = yield* send("setup", (abortSignal) =>
          client.send(new DescribeTableCommand({ TableName: table }), { abortSignal })
        )
        if (d.Table?.TableStatus === "ACTIVE") return
        yield* Effect.sleep("100 millis")
      }
      return yield* new ServingStoreError({
        reason: "Unavailable",
        operation: "setup",
        detail: `${table} never became ACTIVE`
      })
    })

  const setup = Effect.forEach(
    tableDefinitions(options.tablePrefix ?? DEFAULT_TABLE_PREFIX),
    (def) =>
      Effect.gen(function* () {
        const exists = yield* send("setup", (abortSignal) =>
          client.send(new DescribeTableCommand({ TableName: def.TableName }), { abortSignal })
        ).pipe(
          Effect.as(true),
          Effect.catchIf(
            (e) => e.reason === "TableMissing",
            () => Effect.succeed(false)
          )
        )
        if (!exists)
          yield* send("setup", (abortSignal) =>
            client.send(
              new CreateTableCommand({
                TableName: def.TableName,
                AttributeDefinitions: def.AttributeDefinitions.map((a) => ({ ...a })),
                KeySchema: def.KeySchema.map((k) => ({ ...k })),
                BillingMode: def.BillingMode,
                ...(def.GlobalSecondaryIndexes === undefined
                  ? {}
                  : {
                      GlobalSecondaryIndexes: def.GlobalSecondaryIndexes.map((g) => ({
                        IndexName: g.IndexName,
                        KeySchema: g.KeySchema.map((k) => ({ ...k })),
                        Projection: { ...g.Projection }
                      }))
                    })
              }),
              { abortSignal }
            )
          ).pipe(
            // Another process created it between our describe and create: fine.
            Effect.catchIf(
              (e) => awsErrorName(e) === "ResourceInUseException",
              () => Effect.void
            )
          )
        yield* waitActive(def.TableName)
      }),
    { concurrency: 3, discard: true }
  ).pipe(Effect.withSpan("ServingStore.setup"))

  // ---- feed ------------------------------------------------------------------------------------------

  const readFeed = (entityKey: string, agency: string) =>
    Effect.flatMap(queryPrefix("applyFeed", tables.violations, entityKey, feedPrefix(agency)), (items) =>
      Effect.forEach(items, decodeFeedItem)
    )

  // The partition is the group's: the item's own entity key, or the national feed's.
  const feedPut = ({ pk, item }: Placed): WriteOp => ({
    table: tables.violations,
    put: toItem(pk, feedItemSk(item), item)
  })
  const feedDelete = ({ pk, item }: Placed): WriteOp => ({
    table: tables.violations,
    delete: { PK: { S: pk }, SK: { S: feedItemSk(item) } }
  })
  const placed = (pk: string, items: ReadonlyArray<FeedItem>): Array<Placed> =>
    items.map((item) => ({ pk, item }))

  const attachSummaries = (puts: ReadonlyArray<Placed>) =>
    Effect.gen(function* () {
      const ids = [...new Set(puts.map((p) => p.item.violation_id))]
      if (ids.length === 0) return puts
      const found = yield* batchGet(
        client,
        tables.violations,
        ids.map((id) => ({ PK: { S: summaryPk(id) }, SK: { S: SUMMARY_SK } })),
        concurrency
      )
      const byId = new Map<string, ViolationSummary>()
      for (const f of found) {
        const s = yield* decodeSummary(f)
        byId.set(s.violation_id, s)
      }
      return puts.map((p) => ({ pk: p.pk, item: withSummary(p.item, byId.get(p.item.violation_id)) }))
    })

  const applyFeed: ServingStoreShape["applyFeed"] = (violations, opts) =>
    Effect.gen(function* () {
      const { groups, noDate } = yield* validateFeedBatch(violations, opts)
      const plans = yield* Effect.forEach(
        groups,
        (g: FeedGroup) =>
          Effect.map(readFeed(g.entityKey, g.agency), (current) => ({
            group: g,
            plan: planFeedGroup(current, g.incoming, g.removeIds, sizeOf(g))
          })),
        { concurrency }
      )
      const puts = yield* attachSummaries(plans.flatMap((p) => placed(p.group.entityKey, p.plan.puts)))
      // Puts before deletes: a crash in between leaves more than N items (trimmed by the next write and
      // hidden by reads), never fewer.
      yield* batchWrite(client, puts.map(feedPut), concurrency)
      yield* batchWrite(
        client,
        plans.flatMap((p) => placed(p.group.entityKey, p.plan.deletes)).map(feedDelete),
        concurrency
      )
      // Concurrent writers each trim against what they read; re-reading after our puts and trimming what is
      // beyond N repairs the overlap (the last writer to finish sees everything).
      const extra = reconcile
        ? yield* Effect.forEach(
            plans.filter((p) => p.plan.puts.length > 0),
            (p) =>
              Effect.map(readFeed(p.group.entityKey, p.group.agency), (now) =>
                placed(p.group.entityKey, planFeedGroup(now, [], new Set(), sizeOf(p.group)).deletes)
              ),
            { concurrency }
          )
        : []
      const extraDeletes = extra.flat()
      yield* batchWrite(client, extraDeletes.map(feedDelete), concurrency)
      return feedReport(violations.length, groups.length, noDate, [
        ...plans.map((p) => ({
          puts: p.plan.puts.length,
          deletes: p.plan.deletes.length,
          unchanged: p.plan.unchanged,
          skippedOld: p.plan.skippedOld,
          stale: p.plan.stale
        })),
        { puts: 0, deletes: extraDeletes.length, unchanged: 0, skippedOld: 0, stale: 0 }
      ])
    }).pipe(Effect.withSpan("ServingStore.applyFeed"))

  const getFeed: ServingStoreShape["getFeed"] = (entityKey, agency) =>
    Effect.gen(function* () {
      yield* requireEntityKey("getFeed", entityKey)
      if (agency !== undefined) {
        const bad = checkAgency("getFeed", agency)
        if (bad !== undefined) return yield* bad
      }
      // Twice N tolerates a concurrent writer's not-yet-trimmed leftovers.
      const items = yield* queryPrefix(
        "getFeed",
        tables.violations,
        entityKey,
        agency === undefined ? "AGENCY#" : feedPrefix(agency),
        true,
        agency === undefined ? undefined : feedSize * 2
      )
      const decoded = yield* Effect.forEach(items, decodeFeedItem)
      return topPerAgency(decoded, feedSize)
    }).pipe(Effect.withSpan("ServingStore.getFeed"))

  // ---- brands ----------------------------------------------------------------------------------------

  const putBrand = (config: BrandConfig) =>
    Effect.gen(function* () {
      const c = yield* validateBrand(config)
      yield* send("putBrand", (abortSignal) =>
        client.send(
          new PutItemCommand({ TableName: tables.projects, Item: toSdk(toItem(brandPk(c.id), BRAND_SK, c)) }),
          {
            abortSignal
          }
        )
      )
    })

  // ---- search ----------------------------------------------------------------------------------------

  const putSearchEntries: ServingStoreShape["putSearchEntries"] = (input) =>
    Effect.gen(function* () {
      const es = yield* validateSearchEntries(input)
      const storedItems = yield* batchGet(
        client,
        tables.search,
        es.map((e) => ({ PK: { S: e.entity_key }, SK: { S: SEARCH_DOC_SK } })),
        concurrency
      )
      const stored = new Map<string, SearchDoc>()
      for (const i of storedItems) {
        const d = yield* decodeSearchDoc(i)
        stored.set(d.entity_key, d)
      }
      const plans = es.map((e) => planSearchWrite(e, stored.get(e.entity_key)))
      const writes = plans.flatMap((p) => (p._tag === "Write" ? [p] : []))
      const stale = plans.filter((p) => p._tag === "Stale").length
      // 1. Docs that gain terms first record them as pending: an interrupted write is finished (and its
      //    postings removed if the names changed again) by the next one.
      yield* batchWrite(
        client,
        writes.flatMap((w) =>
          w.pendingDoc === undefined ? [] : [{ table: tables.search, put: searchDocItem(w.pendingDoc) }]
        ),
        concurrency
      )
      // 2. Postings: every term of the entry (its count, name or place may have changed), and deletes of
      //    the terms it no longer has.
      yield* batchWrite(
        client,
        writes.flatMap(
          (w): Array<WriteOp> => [
            ...w.putTerms.map((t) => ({
              table: tables.search,
              put: toItem(termPk(t), w.doc.entity_key, { ...w.posting, rank: w.rank })
            })),
            ...w.deleteTerms.map((t) => ({
              table: tables.search,
              delete: { PK: { S: termPk(t) }, SK: { S: w.doc.entity_key } }
            }))
          ]
        ),
        concurrency
      )
      // 3. Vocabulary: add (set union, atomic and idempotent) only what the blocks do not hold yet.
      const wanted = new Map<string, Array<string>>()
      for (const w of writes)
        for (const [block, entries] of w.vocab) wanted.set(block, [...(wanted.get(block) ?? []), ...entries])
      if (wanted.size > 0) {
        const blocks = yield* batchGet(
          client,
          tables.search,
          [...wanted.keys()].map((b) => ({ PK: { S: vocabPk(b) }, SK: { S: VOCAB_SK } })),
          concurrency
        )
        const stored = new Map<string, ReadonlyArray<string>>()
        for (const b of blocks) {
          const t = b.t
          stored.set((str(b, "PK") ?? "").slice("VOCAB#".length), t !== undefined && "SS" in t ? t.SS : [])
        }
        yield* Effect.forEach(
          [...wanted.entries()]
            .map(([block, entries]) => [block, missingVocab(stored.get(block) ?? [], entries)] as const)
            .filter(([, set]) => set.length > 0),
          ([block, set]) =>
            send("putSearchEntries", (abortSignal) =>
              client.send(
                new UpdateItemCommand({
                  TableName: tables.search,
                  Key: toSdk({ PK: { S: vocabPk(block) }, SK: { S: VOCAB_SK } }),
                  UpdateExpression: "ADD #t :t",
                  ExpressionAttributeNames: { "#t": "t" },
                  ExpressionAttributeValues: { ":t": { SS: [...set] } }
                }),
                { abortSignal }
              )
            ),
          { concurrency, discard: true }
        )
      }
      // 4. The docs: what is indexed now, nothing pending.
      yield* batchWrite(
        client,
        writes.map((w) => ({ table: tables.search, put: searchDocItem(w.doc) })),
        concurrency
      )
      return {
        received: input.length,
        written: writes.length,
        unchanged: es.length - writes.length - stale,
        stale
      }
    }).pipe(Effect.withSpan("ServingStore.putSearchEntries"))

  const search: ServingStoreShape["search"] = (q, opts) =>
    Effect.gen(function* () {
      const checked = validateSearch(q, opts)
      if (checked instanceof ServingStoreError) return yield* checked
      const plan = planSearch(q)
      // One BatchGetItem: the docs of the slugs the query could be, and the vocabulary blocks of its words.
      const first = yield* batchGet(
        client,
        tables.search,
        [
          ...plan.exactKeys.map((k) => ({ PK: { S: k }, SK: { S: SEARCH_DOC_SK } })),
          ...plan.blocks.map((b) => ({ PK: { S: vocabPk(b) }, SK: { S: VOCAB_SK } }))
        ],
        concurrency
      )
      const exact: Array<Candidate> = []
      const vocab = new Map<string, ReadonlyMap<string, number>>()
      for (const i of first) {
        const pk = str(i, "PK") ?? ""
        if (pk.startsWith("VOCAB#")) {
          const t = i.t
          vocab.set(pk.slice(6), parseVocab(t !== undefined && "SS" in t ? t.SS : []))
        } else exact.push(docCandidate(yield* decodeSearchDoc(i)))
      }
      // The chosen terms' postings, most-cited first (one Query each; the index is eventually consistent,
      // which search tolerates), and the docs of the query's corrected names, all in parallel.
      const corrected = correctedKeys(plan, vocab)
      const [lists, correctedDocs] = yield* Effect.all(
        [
          Effect.forEach(
            chooseTerms(plan, vocab),
            ({ term }) =>
              Effect.flatMap(
                send("search", (abortSignal) =>
                  client.send(
                    new QueryCommand({
                      TableName: tables.search,
                      IndexName: SEARCH_RANK_INDEX,
                      KeyConditionExpression: "#pk = :pk",
                      ExpressionAttributeNames: { "#pk": "PK" },
                      ExpressionAttributeValues: { ":pk": { S: termPk(term) } },
                      ScanIndexForward: true,
                      Limit: postingsLimit(checked.limit)
                    }),
                    { abortSignal }
                  )
                ),
                (r) => Effect.forEach(r.Items ?? [], (i) => decodePosting(fromSdk(i)))
              ),
            { concurrency }
          ),
          corrected.length === 0
            ? Effect.succeed([])
            : batchGet(
                client,
                tables.search,
                corrected.map((k) => ({ PK: { S: k }, SK: { S: SEARCH_DOC_SK } })),
                concurrency
              )
        ],
        { concurrency: "unbounded" }
      )
      const found: Array<Candidate> = []
      for (const i of correctedDocs) found.push(docCandidate(yield* decodeSearchDoc(i)))
      return rankCandidates(plan, exact, [...found, ...lists.flat()], checked)
    }).pipe(Effect.withSpan("ServingStore.search"))

  const service: ServingStoreShape = {
    feedSize,
    recentSize,
    setup,
    putProfiles: (input) =>
      Effect.flatMap(validateProfiles(input), (ps) =>
        putChanged(
          "putProfiles",
          tables.entities,
          input.length,
          ps.map((p) => ({ pk: p.entity_key, sk: METADATA_SK, fp: fp(profileFingerprint(p)), record: p }))
        )
      ),
    getProfiles: (entityKeys) =>
      Effect.gen(function* () {
        for (const k of entityKeys) yield* requireEntityKey("getProfiles", k)
        const items = yield* batchGet(
          client,
          tables.entities,
          entityKeys.map((k) => ({ PK: { S: k }, SK: { S: METADATA_SK } })),
          concurrency
        )
        const out = new Map<string, EntityProfile>()
        for (const i of items) {
          const p = yield* decodeProfile(i)
          out.set(p.entity_key, p)
        }
        return out
      }).pipe(Effect.withSpan("ServingStore.getProfiles")),
    getEntity: (entityKey) =>
      Effect.gen(function* () {
        const { kind } = yield* requireEntityKey("getEntity", entityKey)
        // `SK >= METADATA`: the profile and `STATS#*`, not the history (`HISTORY` sorts before).
        const items = yield* query("getEntity", {
          TableName: tables.entities,
          KeyConditionExpression: "#pk = :pk AND #sk >= :m",
          ExpressionAttributeNames: { "#pk": "PK", "#sk": "SK" },
          ExpressionAttributeValues: toSdk({ ":pk": marshall(entityKey), ":m": { S: METADATA_SK } })
        })
        if (items.length === 0) return Option.none()
        let profile: EntityProfile | null = null
        const stats: Array<EntityStats> = []
        for (const i of items) {
          const sk = str(i, "SK") ?? ""
          if (sk === METADATA_SK) profile = yield* decodeProfile(i)
          else if (sk.startsWith(STATS_PREFIX)) stats.push(yield* decodeStats(i))
        }
        stats.sort((a, b) =>
          a.agency === "all" ? -1 : b.agency === "all" ? 1 : a.agency.localeCompare(b.agency)
        )
        return Option.some({ entity_key: entityKey, kind, profile, stats })
      }).pipe(Effect.withSpan("ServingStore.getEntity")),
    syncStats: (input, snapshotId) =>
      Effect.flatMap(validateStats(input, snapshotId), (ss) =>
        putChanged(
          "syncStats",
          tables.entities,
          input.length,
          ss.map((s) => ({
            pk: s.entity_key,
            sk: statsSk(s.agency),
            fp: fp(statsFingerprint(s)),
            record: s,
            updatedAt: s.updated_at
          }))
        )
      ),
    getStats: (entityKey, agency = "all") =>
      Effect.gen(function* () {
        yield* requireEntityKey("getStats", entityKey)
        const bad = checkStatsAgency("getStats", agency)
        if (bad !== undefined) return yield* bad
        return yield* decodeOption(
          yield* getItem("getStats", tables.entities, entityKey, statsSk(agency)),
          decodeStats
        )
      }),
    putHistory: (input, snapshotId) =>
      Effect.flatMap(validateHistories(input, snapshotId), (hs) =>
        putChanged(
          "putHistory",
          tables.entities,
          input.length,
          hs.map((h) => ({
            pk: h.entity_key,
            sk: HISTORY_SK,
            fp: fp(historyFingerprint(h)),
            record: h,
            updatedAt: h.updated_at
          }))
        )
      ),
    getHistory: (entityKey) =>
      Effect.gen(function* () {
        yield* requireEntityKey("getHistory", entityKey)
        return yield* decodeOption(
          yield* getItem("getHistory", tables.entities, entityKey, HISTORY_SK),
          decodeHistory
        )
      }),
    putSearchEntries,
    search,
    putAliases: (input) =>
      Effect.flatMap(validateAliases(input), (as) =>
        putChanged(
          "putAliases",
          tables.entities,
          input.length,
          as.map((a) => ({ pk: a.entity_key, sk: ALIAS_SK, fp: fp(aliasFingerprint(a)), record: a }))
        )
      ),
    getAlias: (entityKey) =>
      Effect.gen(function* () {
        const key = yield* requireAliasKey("getAlias", entityKey)
        return liveAlias(
          yield* decodeOption(yield* getItem("getAlias", tables.entities, key, ALIAS_SK), decodeAlias)
        )
      }),
    putScores: (input) =>
      Effect.flatMap(validateScores(input), (ss) =>
        putChanged(
          "putScores",
          tables.entities,
          input.length,
          ss.map((x) => ({
            pk: x.entity_key,
            sk: SCORE_SK,
            fp: fp(scoreFingerprint(x)),
            record: x,
            updatedAt: x.updated_at
          }))
        )
      ),
    getScore: (entityKey) =>
      Effect.gen(function* () {
        const key = yield* requireCompanyKey("getScore", entityKey)
        return yield* decodeOption(yield* getItem("getScore", tables.entities, key, SCORE_SK), decodeScore)
      }),
    putScoreBoards: (input) =>
      Effect.flatMap(validateScoreBoards(input), (bs) =>
        putChanged(
          "putScoreBoards",
          tables.entities,
          input.length,
          bs.map((b) => ({
            pk: scoreBoardPk(b.scope),
            sk: SCORE_BOARD_SK,
            fp: fp(scoreBoardFingerprint(b)),
            record: b,
            updatedAt: b.updated_at
          }))
        )
      ),
    getScoreBoard: (scope) =>
      Effect.gen(function* () {
        const s = yield* requireScoreScope("getScoreBoard", scope)
        return yield* decodeOption(
          yield* getItem("getScoreBoard", tables.entities, scoreBoardPk(s), SCORE_BOARD_SK),
          decodeScoreBoard
        )
      }),
    putTopLists: (input) =>
      Effect.flatMap(validateTopLists(input), (ls) =>
        putChanged(
          "putTopLists",
          tables.entities,
          input.length,
          ls.map((l) => ({
            pk: topPk(l.scope),
            sk: topSk(l.by, l.agency),
            fp: fp(topListFingerprint(l)),
            record: l,
            updatedAt: l.updated_at
          }))
        )
      ),
    getTopList: (scope, by, agency = "all") =>
      Effect.gen(function* () {
        const bad =
          checkTopScope("getTopList", scope) ??
          checkTopBy("getTopList", by) ??
          checkStatsAgency("getTopList", agency)
        if (bad !== undefined) return yield* bad
        return yield* decodeOption(
          yield* getItem("getTopList", tables.entities, topPk(scope), topSk(by, agency)),
          decodeTopList
        )
      }),
    applyFeed,
    getFeed,
    getRecent: (agency = "all", limit = Math.min(10, recentSize)) =>
      Effect.gen(function* () {
        const bad = checkRecent(agency, limit, recentSize)
        if (bad !== undefined) return yield* bad
        // One agency: its newest first (twice N tolerates a concurrent writer's leftovers). All: the
        // partition holds N per agency, merged here.
        const items = yield* queryPrefix(
          "getRecent",
          tables.violations,
          NATIONAL_FEED_PK,
          agency === "all" ? "AGENCY#" : feedPrefix(agency),
          true,
          agency === "all" ? undefined : recentSize * 2
        )
        return recentOf(yield* Effect.forEach(items, decodeFeedItem), agency, limit, recentSize)
      }).pipe(Effect.withSpan("ServingStore.getRecent")),
    getFeedRaw: (entityKey) =>
      Effect.gen(function* () {
        yield* requireFeedKey("getFeedRaw", entityKey)
        const items = yield* queryPrefix("getFeedRaw", tables.violations, entityKey, "AGENCY#", true)
        return (yield* Effect.forEach(items, decodeFeedItem)).sort(compareNewestFirst)
      }),
    getViolation: (violationId) =>
      Effect.gen(function* () {
        const bad = checkViolationId("getViolation", violationId)
        if (bad !== undefined) return yield* bad
        const out = yield* send("getViolation", (abortSignal) =>
          client.send(
            new QueryCommand({
              TableName: tables.violations,
              IndexName: BY_VIOLATION_INDEX,
              KeyConditionExpression: "violation_id = :v",
              ExpressionAttributeValues: { ":v": { S: violationId } }
            }),
            { abortSignal }
          )
        )
        // feed items only (the summary item carries violation_id too); prefer the company's placement
        const feed = (out.Items ?? []).filter((i) => String(i.SK?.S ?? "").startsWith("AGENCY#"))
        const best = feed.find((i) => String(i.PK?.S ?? "").startsWith("COMPANY#")) ?? feed[0]
        if (best === undefined) return Option.none()
        return Option.some(yield* decodeFeedItem(best as AttributeMap))
      }),
    getSummary: (violationId) =>
      Effect.gen(function* () {
        const bad = checkViolationId("getSummary", violationId)
        if (bad !== undefined) return yield* bad
        return yield* decodeOption(
          yield* getItem("getSummary", tables.violations, summaryPk(violationId), SUMMARY_SK),
          decodeSummary
        )
      }),
    putSummary: (summary, opts) =>
      Effect.gen(function* () {
        const s = yield* validateSummary(summary, opts?.entityKeys ?? [])
        yield* send("putSummary", (abortSignal) =>
          client.send(
            new PutItemCommand({
              TableName: tables.violations,
              Item: toSdk(toItem(summaryPk(s.violation_id), SUMMARY_SK, s))
            }),
            { abortSignal }
          )
        )
        const agency = agencyOfViolationId(s.violation_id)
        yield* Effect.forEach(
          [...(opts?.entityKeys ?? []), NATIONAL_FEED_PK],
          (k) =>
            Effect.gen(function* () {
              const items = yield* Effect.flatMap(
                queryPrefix("putSummary", tables.violations, k, feedPrefix(agency)),
                (is) => Effect.forEach(is, decodeFeedItem)
              )
              for (const i of items.filter(
                (i) => i.violation_id === s.violation_id && i.content_hash === s.content_hash
              ))
                yield* send("putSummary", (abortSignal) =>
                  client.send(
                    new UpdateItemCommand({
                      TableName: tables.violations,
                      Key: toSdk({ PK: { S: k }, SK: { S: feedItemSk(i) } }),
                      UpdateExpression: "SET #s = :s",
                      // Never resurrect an item trimmed meanwhile.
                      ConditionExpression: "attribute_exists(#pk) AND #h = :h",
                      ExpressionAttributeNames: { "#s": "summary", "#pk": "PK", "#h": "content_hash" },
                      ExpressionAttributeValues: toSdk({ ":s": { S: s.text }, ":h": { S: s.content_hash } })
                    }),
                    { abortSignal }
                  )
                ).pipe(
                  Effect.catchIf(
                    (e) => awsErrorName(e) === "ConditionalCheckFailedException",
                    () => Effect.void
                  )
                )
            }),
          { concurrency: 3, discard: true }
        )
      }).pipe(Effect.withSpan("ServingStore.putSummary")),
    getBrand: (id) =>
      Effect.gen(function* () {
        const bad = checkBrandId("getBrand", id)
        if (bad !== undefined) return yield* bad
        return yield* decodeOption(
          yield* getItem("getBrand", tables.projects, brandPk(id), BRAND_SK),
          decodeBrand
        )
      }),
    putBrand,
    deleteBrand: (id) =>
      Effect.gen(function* () {
        const bad = checkBrandId("deleteBrand", id)
        if (bad !== undefined) return yield* bad
        const r = yield* send("deleteBrand", (abortSignal) =>
          client.send(
            new DeleteItemCommand({
              TableName: tables.projects,
              Key: toSdk({ PK: { S: brandPk(id) }, SK: { S: BRAND_SK } }),
              ReturnValues: "ALL_OLD"
            }),
            { abortSignal }
          )
        )
        return r.Attributes !== undefined
      }),
    listBrands: Effect.gen(function* () {
      const out: Array<BrandConfig> = []
      let start: ScanCommandOutput["LastEvaluatedKey"]
      do {
        const from = start
        const page = yield* send("listBrands", (abortSignal) =>
          client.send(
            new ScanCommand({
              TableName: tables.projects,
              ConsistentRead: true,
              FilterExpression: "begins_with(#pk, :b) AND #sk = :c",
              ExpressionAttributeNames: { "#pk": "PK", "#sk": "SK" },
              ExpressionAttributeValues: toSdk({ ":b": { S: "BRAND#" }, ":c": { S: BRAND_SK } }),
              ...(from === undefined ? {} : { ExclusiveStartKey: from })
            }),
            { abortSignal }
          )
        )
        for (const i of page.Items ?? []) out.push(yield* decodeBrand(fromSdk(i)))
        start = page.LastEvaluatedKey
      } while (start !== undefined)
      return out.sort((a, b) => a.id.localeCompare(b.id))
    }),
    getBrandByDomain: (host) =>
      Effect.gen(function* () {
        const h = yield* requireHost(host)
        // Brands are few: list them (one small Scan) rather than keep a second index of domains.
        const brands = yield* service.listBrands
        return Option.fromUndefinedOr(brands.find((b) => brandServesHost(b, h)))
      }),
    importLegacyBrands: (jsonLines, opts) =>
      Effect.gen(function* () {
        const r = mapLegacyExport(jsonLines)
        const dryRun = opts?.dryRun ?? false
        if (!dryRun) yield* Effect.forEach(r.brands, putBrand, { concurrency: 4, discard: true })
        return {
          lines: r.lines,
          imported: r.brands.map((b) => b.id),
          problems: r.problems,
          warnings: r.warnings,
          dryRun
        }
      })
  }
  return service
}

const makeClient = (options: DynamoOptions) =>
  Effect.acquireRelease(
    Effect.sync(
      () =>
        new DynamoDBClient({
          ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
          ...(options.region === undefined ? {} : { region: options.region }),
          ...(options.credentials === undefined ? {} : { credentials: { ...options.credentials } })
        })
    ),
    (c) => Effect.sync(() => c.destroy())
  )

/** The DynamoDB driver. Creates (and later destroys) a client unless `options.client` is given. */
export const layer = (options: DynamoOptions = {}): Layer.Layer<ServingStore, ServingStoreError> =>
  Layer.effect(
    ServingStore,
    Effect.gen(function* () {
      const bad = validateOptions(options)
      if (bad !== undefined) return yield* bad
      const client = options.client ?? (yield* makeClient(options))
      const service = make(client, options)
      if (options.setup === true) yield* service.setup
      return ServingStore.of(service)
    })
  )

/** Credentials for local endpoints (DynamoDB Local / dynalite accept any). */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const

/**
 * Driver options from the environment: `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL` (a local endpoint
 * gets dummy credentials unless `AWS_ACCESS_KEY_ID` is set), `AWS_REGION` (default us-east-1),
 * `VENTUREOS_TABLE_PREFIX` (default VentureOS), `VENTUREOS_FEED_SIZE` (default 5), `VENTUREOS_RECENT_SIZE`
 * (default 50).
 */
export const optionsConfig = Config.all({
  endpoint: Config.option(Config.String("AWS_ENDPOINT_URL_DYNAMODB")).pipe(
    Config.orElse(() => Config.option(Config.String("AWS_ENDPOINT_URL")))
  ),
  region: Config.String("AWS_REGION").pipe(Config.withDefault("us-east-1")),
  accessKey: Config.option(Config.String("AWS_ACCESS_KEY_ID")),
  tablePrefix: Config.String("VENTUREOS_TABLE_PREFIX").pipe(Config.withDefault(DEFAULT_TABLE_PREFIX)),
  feedSize: Config.Int("VENTUREOS_FEED_SIZE").pipe(Config.withDefault(DEFAULT_FEED_SIZE)),
  recentSize: Config.Int("VENTUREOS_RECENT_SIZE").pipe(Config.withDefault(DEFAULT_RECENT_SIZE))
})

type ConfigValues = typeof optionsConfig extends Config.Config<infer A> ? A : never

const fromConfig = (c: ConfigValues): DynamoOptions => {
  const endpoint = Option.getOrUndefined(Option.filter(c.endpoint, (e) => e.trim() !== ""))
  return {
    region: c.region,
    tablePrefix: c.tablePrefix,
    feedSize: c.feedSize,
    recentSize: c.recentSize,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(endpoint !== undefined && Option.isNone(c.accessKey) ? { credentials: LOCAL_CREDENTIALS } : {})
  }
}

/** The driver configured from the environment (AWS, or the endpoint in `AWS_ENDPOINT_URL_*`). */
export const layerConfig = (
  overrides: DynamoOptions = {}
): Layer.Layer<ServingStore, ServingStoreError | Config.ConfigError> =>
  Layer.unwrap(
    Effect.gen(function* () {
      const c = yield* optionsConfig
      return layer({ ...fromConfig(c), ...overrides })
    })
  )

/** The endpoint configured in the environment, if any. */
export const configuredEndpoint = Effect.gen(function* () {
  const c = yield* optionsConfig
  return fromConfig(c).endpoint
})
