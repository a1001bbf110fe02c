import { EntityKey, IsoTimestamp } from "@ventureos/core"
import { Effect, Option, Schema } from "effect"
import { lastByKey } from "./Inputs"
import { checkEntityKey } from "./Keys"
import type { WriteReport } from "./Model"
import { ServingStoreError } from "./ServingStoreError"

/*
 * Company aliases (issue 13): when entity resolution joins a name variant to another company, the variant's
 * old key answers for the company, so old URLs keep working.
 *
 * Entities:   PK=<old company key>   SK=ALIAS        { entity_key, alias_of, updated_at }
 *
 * `ALIAS` sorts before `METADATA`, so `getEntity` (`SK >= METADATA`) never reads it. An alias to itself
 * clears one (a split gives the variant its own company back).
 */
export const ALIAS_SK = "ALIAS"

/** `entity_key` now answers as `alias_of`. */
export const EntityAlias = Schema.Struct({
  entity_key: EntityKey,
  alias_of: EntityKey,
  updated_at: IsoTimestamp
})
export type EntityAlias = typeof EntityAlias.Type

/** The alias methods of the serving store. */
export interface AliasItemsShape {
  /** Store aliases (absolute; equal ones are not rewritten). `alias_of` equal to `entity_key` clears one. */
  readonly putAliases: (aliases: ReadonlyArray<EntityAlias>) => Effect.Effect<WriteReport, ServingStoreError>
  /** The company a key now answers as; none when it is its own (or unknown). */
  readonly getAlias: (entityKey: string) => Effect.Effect<Option.Option<EntityAlias>, ServingStoreError>
}

const decode = Schema.decodeUnknownSync(EntityAlias)

/** Decoded aliases, company keys on both sides, last per key. */
export const validateAliases = (aliases: ReadonlyArray<EntityAlias>) =>
  Effect.gen(function* () {
    const out: Array<EntityAlias> = []
    for (const [i, a] of aliases.entries()) {
      const decoded = yield* Effect.try({
        try: () => decode(a),
        catch: (e) =>
          new ServingStoreError({
            reason: "InvalidInput",
            operation: "putAliases",
            detail: `alias #${i}: ${e instanceof Error ? e.message : String(e)}`.slice(0, 1000)
          })
      })
      for (const k of [decoded.entity_key, decoded.alias_of]) {
        const c = checkEntityKey("putAliases", k)
        if (c instanceof ServingStoreError) return yield* c
        if (c.kind !== "COMPANY")
          return yield* new ServingStoreError({
            reason: "InvalidInput",
            operation: "putAliases",
            detail: `aliases join companies: ${k}`
          })
      }
      out.push(decoded)
    }
    return lastByKey(out, (a) => a.entity_key)
  })

/** An alias's identity for compare-before-write (not its time). */
export const aliasFingerprint = (a: EntityAlias): string => `${a.entity_key}>${a.alias_of}`

/** A valid entity key, failing with `InvalidKey`. */
export const requireAliasKey = (operation: string, key: string) => {
  const k = checkEntityKey(operation, key)
  return k instanceof ServingStoreError ? Effect.fail(k) : Effect.succeed(key)
}

/** A stored alias as the reader sees it: none when it points at itself. */
export const liveAlias = (a: Option.Option<EntityAlias>): Option.Option<EntityAlias> =>
  Option.filter(a, (x) => x.alias_of !== x.entity_key)

/** The in-memory implementation (the memory layer spreads it into the store). */
export const makeAliasMemory = (): AliasItemsShape => {
  const aliases = new Map<string, EntityAlias>()
  return {
    putAliases: (input) =>
      Effect.map(validateAliases(input), (as) => {
        let written = 0
        for (const a of as) {
          const old = aliases.get(a.entity_key)
          if (old !== undefined && aliasFingerprint(old) === aliasFingerprint(a)) continue
          aliases.set(a.entity_key, a)
          written++
        }
        return { received: input.length, written, unchanged: as.length - written, stale: 0 }
      }),
    getAlias: (entityKey) =>
      Effect.map(requireAliasKey("getAlias", entityKey), (k) =>
        liveAlias(Option.fromUndefinedOr(aliases.get(k)))
      )
  }
}
