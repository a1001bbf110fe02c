import { BatchGetItemCommand, BatchWriteItemCommand } from "@aws-sdk/client-dynamodb"
import { Effect } from "effect"
import type { AttributeMap } from "./AttributeValue"
import { backoff, type Client, fromSdk, MAX_ATTEMPTS, type SdkItem, send, toSdk } from "./DynamoClient"
import { ServingStoreError } from "./ServingStoreError"

/** One write: put an item or delete a key, in a table. */
export type WriteOp =
  | { readonly table: string; readonly put: AttributeMap }
  | { readonly table: string; readonly delete: AttributeMap }

/** DynamoDB's BatchWriteItem limit. */
export const BATCH_WRITE_SIZE = 25
/** DynamoDB's BatchGetItem limit. */
export const BATCH_GET_SIZE = 100

const keyOf = (table: string, item: AttributeMap): string => {
  const pk = item.PK
  const sk = item.SK
  return `${table}\u0000${pk !== undefined && "S" in pk ? pk.S : ""}\u0000${sk !== undefined && "S" in sk ? sk.S : ""}`
}

/** Split into chunks of `size`. */
export const chunk = <A>(as: ReadonlyArray<A>, size: number): Array<Array<A>> => {
  const out: Array<Array<A>> = []
  for (let i = 0; i < as.length; i += size) out.push(as.slice(i, i + size))
  return out
}

type RequestItems = Record<
  string,
  Array<{ PutRequest?: { Item: SdkItem }; DeleteRequest?: { Key: SdkItem } }>
>

const toRequestItems = (ops: ReadonlyArray<WriteOp>): RequestItems => {
  const out: RequestItems = {}
  for (const op of ops) {
    const list = out[op.table] ?? []
    out[op.table] = list
    if ("put" in op) list.push({ PutRequest: { Item: toSdk(op.put) } })
    else list.push({ DeleteRequest: { Key: toSdk(op.delete) } })
  }
  return out
}

const countRequests = (r: RequestItems | undefined): number =>
  r === undefined ? 0 : Object.values(r).reduce((a, l) => a + l.length, 0)

/**
 * Write with BatchWriteItem, 25 per request, `concurrency` requests in flight. A key written twice keeps its
 * last write (DynamoDB rejects duplicate keys within one request). Unprocessed items are resent with
 * exponential backoff and full jitter; throttling errors are retried the same way. Returns the number of
 * writes sent (the write amplification we measure).
 */
export const batchWrite = (
  client: Client,
  ops: ReadonlyArray<WriteOp>,
  concurrency: number
): Effect.Effect<number, ServingStoreError> => {
  if (ops.length === 0) return Effect.succeed(0)
  const byKey = new Map<string, WriteOp>()
  for (const op of ops) byKey.set(keyOf(op.table, "put" in op ? op.put : op.delete), op)
  const unique = [...byKey.values()]
  const writeChunk = (c: ReadonlyArray<WriteOp>) =>
    Effect.gen(function* () {
      let pending: RequestItems = toRequestItems(c)
      for (let attempt = 0; ; attempt++) {
        const items = pending
        const res = yield* send("batchWrite", (abortSignal) =>
          client.send(new BatchWriteItemCommand({ RequestItems: items }), { abortSignal })
        )
        const left = res.UnprocessedItems as RequestItems | undefined
        if (countRequests(left) === 0) return
        if (attempt + 1 >= MAX_ATTEMPTS)
          return yield* new ServingStoreError({
            reason: "Throttled",
            operation: "batchWrite",
            detail: `${countRequests(left)} unprocessed items after ${MAX_ATTEMPTS} attempts`
          })
        pending = left!
        yield* Effect.sleep(backoff(attempt))
      }
    })
  return Effect.as(
    Effect.forEach(chunk(unique, BATCH_WRITE_SIZE), writeChunk, { concurrency, discard: true }),
    unique.length
  )
}

/**
 * Read keys with BatchGetItem (100 per request), retrying unprocessed keys with backoff and jitter.
 * `projection` limits the attributes read (e.g. only the fingerprint).
 */
export const batchGet = (
  client: Client,
  table: string,
  keys: ReadonlyArray<AttributeMap>,
  concurrency: number,
  projection?: ReadonlyArray<string>
): Effect.Effect<Array<AttributeMap>, ServingStoreError> => {
  const unique = [...new Map(keys.map((k) => [keyOf(table, k), k])).values()]
  const names =
    projection === undefined ? undefined : Object.fromEntries(projection.map((p, i) => [`#p${i}`, p]))
  const getChunk = (c: ReadonlyArray<AttributeMap>) =>
    Effect.gen(function* () {
      const found: Array<AttributeMap> = []
      let pending: Array<SdkItem> = c.map(toSdk)
      for (let attempt = 0; pending.length > 0; attempt++) {
        const keysNow = pending
        const res = yield* send("batchGet", (abortSignal) =>
          client.send(
            new BatchGetItemCommand({
              RequestItems: {
                [table]: {
                  Keys: keysNow,
                  ConsistentRead: true,
                  ...(names === undefined
                    ? {}
                    : {
                        ProjectionExpression: Object.keys(names).join(", "),
                        ExpressionAttributeNames: names
                      })
                }
              }
            }),
            { abortSignal }
          )
        )
        for (const i of res.Responses?.[table] ?? []) found.push(fromSdk(i))
        pending = res.UnprocessedKeys?.[table]?.Keys ?? []
        if (pending.length === 0) break
        if (attempt + 1 >= MAX_ATTEMPTS)
          return yield* new ServingStoreError({
            reason: "Throttled",
            operation: "batchGet",
            detail: `${pending.length} unprocessed keys after ${MAX_ATTEMPTS} attempts`
          })
        yield* Effect.sleep(backoff(attempt))
      }
      return found
    })
  return Effect.map(Effect.forEach(chunk(unique, BATCH_GET_SIZE), getChunk, { concurrency }), (r) => r.flat())
}
