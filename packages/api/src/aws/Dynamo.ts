import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand
} from "@aws-sdk/client-dynamodb"
import { tableNames } from "@ventureos/serving"
import { ServingStoreDynamo, toServingError } from "@ventureos/serving/dynamodb"
import { Clock, Effect, Layer, Option } from "effect"
import { SummaryLease } from "../summary/Lease"
import { RateLimiter } from "../summary/RateLimit"

/**
 * DynamoDB drivers of the summary lease and the rate limiter, on the serving store's Violations table
 * (same endpoint, region and table prefix as the serving store's driver):
 *
 *   PK=VIOLATION#<id>   SK=LEASE        owner, expires_at (ms), ttl (s, for DynamoDB TTL cleanup)
 *   PK=RATE#<bucket>    SK=DAY#<date>   n (uses that day), ttl
 */
export interface DynamoAdapterOptions {
  readonly client?: DynamoDBClient
  readonly tablePrefix?: string
}

const isConditionFailed = (e: unknown) =>
  e instanceof ConditionalCheckFailedException ||
  (e as { name?: string })?.name === "ConditionalCheckFailedException"

const call = <A>(operation: string, f: (signal: AbortSignal) => Promise<A>) =>
  Effect.tryPromise({ try: f, catch: (e) => toServingError(operation, e) })

/** A conditional call: false when the condition failed. */
const conditional = (operation: string, f: (signal: AbortSignal) => Promise<unknown>) =>
  Effect.tryPromise({ try: f, catch: (e) => e }).pipe(
    Effect.as(true),
    Effect.catch((e) =>
      isConditionFailed(e) ? Effect.succeed(false) : Effect.fail(toServingError(operation, e))
    )
  )

/** A client configured like the serving store's driver (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_REGION`…). */
export const dynamoClientConfig = Effect.gen(function* () {
  const c = yield* ServingStoreDynamo.optionsConfig
  const endpoint = Option.getOrUndefined(Option.filter(c.endpoint, (e) => e.trim() !== ""))
  const client = yield* Effect.acquireRelease(
    Effect.sync(
      () =>
        new DynamoDBClient({
          region: c.region,
          ...(endpoint === undefined ? {} : { endpoint }),
          ...(endpoint !== undefined && Option.isNone(c.accessKey)
            ? { credentials: { ...ServingStoreDynamo.LOCAL_CREDENTIALS } }
            : {})
        })
    ),
    (client) => Effect.sync(() => client.destroy())
  )
  return { client, tablePrefix: c.tablePrefix }
})

const resolve = (options: DynamoAdapterOptions) =>
  options.client === undefined
    ? dynamoClientConfig
    : Effect.succeed({ client: options.client, tablePrefix: options.tablePrefix ?? "VentureOS" })

/** The lease as a conditional PutItem: taken when absent, expired, or already ours. */
export const layerDynamoLease = (options: DynamoAdapterOptions = {}) =>
  Layer.effect(
    SummaryLease,
    Effect.gen(function* () {
      const { client, tablePrefix } = yield* resolve(options)
      const table = tableNames(options.tablePrefix ?? tablePrefix).violations
      const key = (id: string) => ({ PK: { S: `VIOLATION#${id}` }, SK: { S: "LEASE" } })
      return SummaryLease.of({
        acquire: (id, owner, ttl) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            conditional("acquireLease", (abortSignal) =>
              client.send(
                new PutItemCommand({
                  TableName: table,
                  Item: {
                    ...key(id),
                    owner: { S: owner },
                    expires_at: { N: String(now + ttl) },
                    ttl: { N: String(Math.ceil((now + ttl) / 1000) + 86_400) }
                  },
                  ConditionExpression: "attribute_not_exists(PK) OR expires_at < :now OR #owner = :owner",
                  ExpressionAttributeNames: { "#owner": "owner" },
                  ExpressionAttributeValues: { ":now": { N: String(now) }, ":owner": { S: owner } }
                }),
                { abortSignal }
              )
            )
          ),
        release: (id, owner) =>
          Effect.asVoid(
            conditional("releaseLease", (abortSignal) =>
              client.send(
                new DeleteItemCommand({
                  TableName: table,
                  Key: key(id),
                  ConditionExpression: "#owner = :owner",
                  ExpressionAttributeNames: { "#owner": "owner" },
                  ExpressionAttributeValues: { ":owner": { S: owner } }
                }),
                { abortSignal }
              )
            )
          ),
        isHeld: (id) =>
          Effect.gen(function* () {
            const now = yield* Clock.currentTimeMillis
            const r = yield* call("isLeaseHeld", (abortSignal) =>
              client.send(new GetItemCommand({ TableName: table, Key: key(id), ConsistentRead: true }), {
                abortSignal
              })
            )
            const expires = r.Item?.expires_at
            return expires !== undefined && "N" in expires && Number(expires.N) > now
          })
      })
    })
  )

/** Daily counters as conditional increments (never beyond the limit, so refused triggers cost one write). */
export const layerDynamoRateLimiter = (options: DynamoAdapterOptions = {}) =>
  Layer.effect(
    RateLimiter,
    Effect.gen(function* () {
      const { client, tablePrefix } = yield* resolve(options)
      const table = tableNames(options.tablePrefix ?? tablePrefix).violations
      return RateLimiter.of({
        consume: (bucket, day, limit) =>
          Effect.gen(function* () {
            const expires = Math.ceil(Date.parse(`${day}T00:00:00Z`) / 1000) + 2 * 86_400
            const r = yield* Effect.tryPromise({
              try: (abortSignal) =>
                client.send(
                  new UpdateItemCommand({
                    TableName: table,
                    Key: { PK: { S: `RATE#${bucket}` }, SK: { S: `DAY#${day}` } },
                    UpdateExpression: "SET #n = if_not_exists(#n, :zero) + :one, #ttl = :ttl",
                    ConditionExpression: "attribute_not_exists(#n) OR #n < :limit",
                    ExpressionAttributeNames: { "#n": "n", "#ttl": "ttl" },
                    ExpressionAttributeValues: {
                      ":zero": { N: "0" },
                      ":one": { N: "1" },
                      ":limit": { N: String(limit) },
                      ":ttl": { N: String(expires) }
                    },
                    ReturnValues: "UPDATED_NEW"
                  }),
                  { abortSignal }
                ),
              catch: (e) => e
            }).pipe(
              Effect.map((out) => {
                const n = out.Attributes?.n
                return { allowed: true, count: n !== undefined && "N" in n ? Number(n.N) : 1 }
              }),
              Effect.catch((e) =>
                isConditionFailed(e)
                  ? Effect.succeed({ allowed: false, count: limit })
                  : Effect.fail(toServingError("consumeRate", e))
              )
            )
            return r
          })
      })
    })
  )
