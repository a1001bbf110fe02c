import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { startDynalite } from "../src/Embedded"
import { LOCAL_CREDENTIALS, make } from "../src/ServingStoreDynamo"
import { stats } from "./fixtures"

/**
 * Stats items written before `penalty_current_unknown_count` existed (issue 12) are still read: the field
 * reads as 0 (nothing was counted then), and the next sync of changed totals writes it.
 */
describe("stats stored before penalty_current_unknown_count", () => {
  it.live("read back with a count of 0 from DynamoDB (dynalite), then updated by the next sync", () =>
    Effect.gen(function* () {
      const dyn = yield* startDynalite()
      const client = yield* Effect.acquireRelease(
        Effect.sync(
          () =>
            new DynamoDBClient({
              endpoint: dyn.endpoint,
              region: "us-east-1",
              credentials: LOCAL_CREDENTIALS,
              maxAttempts: 2
            })
        ),
        (c) => Effect.sync(() => c.destroy())
      )
      const store = make(client, { tablePrefix: "compat" })
      yield* store.setup
      // an item exactly as the serving sync stored it before the field: no penalty_current_unknown_count
      const { penalty_current_unknown_count: _n, ...old } = stats("COMPANY#acme", "all", 3)
      yield* Effect.promise(() =>
        client.send(
          new PutItemCommand({
            TableName: "compat-Entities",
            Item: {
              PK: { S: "COMPANY#acme" },
              SK: { S: "STATS#all" },
              entity_key: { S: old.entity_key },
              agency: { S: old.agency },
              violation_count: { N: String(old.violation_count) },
              counts_by_type: {
                M: Object.fromEntries(
                  Object.entries(old.counts_by_type).map(([k, v]) => [k, { N: String(v) }])
                )
              },
              penalty_initial_total: { S: old.penalty_initial_total },
              penalty_current_total: { S: old.penalty_current_total },
              open_count: { N: String(old.open_count) },
              closed_count: { N: String(old.closed_count) },
              first_event_date: { S: String(old.first_event_date) },
              last_event_date: { S: String(old.last_event_date) },
              source_snapshot: { NULL: true },
              updated_at: { S: old.updated_at }
            }
          })
        )
      )
      const read = Option.getOrThrow(yield* store.getStats("COMPANY#acme"))
      assert.strictEqual(read.penalty_current_unknown_count, 0)
      assert.strictEqual(read.violation_count, 3)
      // today's totals (4 violations, 1 without a known current penalty) replace it
      const now = { ...stats("COMPANY#acme", "all", 4), updated_at: "2026-02-01T00:00:00.000Z" }
      assert.strictEqual((yield* store.syncStats([now as typeof read], "2")).written, 1)
      assert.strictEqual(
        Option.getOrThrow(yield* store.getStats("COMPANY#acme")).penalty_current_unknown_count,
        1
      )
    }).pipe(Effect.scoped)
  )
})
