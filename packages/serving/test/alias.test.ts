import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Option } from "effect"
import type { EntityAlias } from "../src/AliasItems"
import { layerEmbedded } from "../src/Embedded"
import { layerMemory, ServingStore, type ServingStoreShape } from "../src/ServingStore"
import type { ServingStoreError } from "../src/ServingStoreError"
import type { MakeLayer } from "./contract/ScoreSuite"

let counter = 0
const prefix = () => `a${process.pid}x${Date.now().toString(36)}x${counter++}`
const T = "2026-11-30T10:00:00.000Z"
const alias = (entity_key: string, alias_of: string, updated_at = T) =>
  ({ entity_key, alias_of, updated_at }) as EntityAlias

/** Company aliases (entity resolution): the same contract in memory and on dynalite. */
const aliasSuite = (name: string, make: MakeLayer) =>
  describe(`alias items (${name})`, () => {
    const run = <A>(f: (s: ServingStoreShape) => Effect.Effect<A, ServingStoreError>) =>
      Effect.flatMap(ServingStore, f).pipe(Effect.provide(make({ tablePrefix: prefix() })))

    it.effect(
      "an old company key answers as its company; a self alias clears it; entity reads never see it",
      () =>
        run((s) =>
          Effect.gen(function* () {
            yield* s.setup
            assert.isTrue(Option.isNone(yield* s.getAlias("COMPANY#wal-mart-stores")))
            const a = alias("COMPANY#wal-mart-stores", "COMPANY#walmart")
            const w = yield* s.putAliases([a])
            assert.deepStrictEqual([w.written, w.unchanged], [1, 0])
            assert.deepStrictEqual(Option.getOrThrow(yield* s.getAlias("COMPANY#wal-mart-stores")), a)
            assert.strictEqual(
              (yield* s.putAliases([alias(a.entity_key, a.alias_of, "2026-11-30T11:00:00.000Z")])).written,
              0
            )
            assert.isTrue(Option.isNone(yield* s.getEntity("COMPANY#wal-mart-stores")))
            yield* s.putAliases([alias(a.entity_key, a.entity_key)])
            assert.isTrue(Option.isNone(yield* s.getAlias("COMPANY#wal-mart-stores")))
            const bads: ReadonlyArray<Effect.Effect<unknown, ServingStoreError>> = [
              s.getAlias("COMPANY#bad#key"),
              s.putAliases([alias("CITY#austin-tx", "COMPANY#walmart")])
            ]
            for (const bad of bads) {
              const exit = yield* Effect.exit(bad)
              assert.isTrue(Exit.isFailure(exit))
            }
          })
        )
    )
  })

aliasSuite("memory", () => layerMemory())
aliasSuite("dynalite", ({ tablePrefix }) => layerEmbedded({ inMemory: true, tablePrefix }))
