import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { type EntityMap, emptyMap, type Override, type OverrideRecord } from "@ventureos/entities"
import { Context, Effect, Layer, Option, Schema } from "effect"

/** Failure of the entity store (the lake's entity map and overrides). */
export class EntityStoreError extends Schema.TaggedError<EntityStoreError>()("EntityStoreError", {
  op: Schema.String,
  path: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `entity store ${this.op} ${this.path}: ${this.detail}`
  }
}

/**
 * Where the entity map lives: the current map (variant -> company -> parent, with why) and the operator's
 * overrides, an append-only numbered log the matcher replays on every resolve.
 */
/**
 * What a replay's entity step needs of the map without parsing it (a 1M EPA release's map is 72 MB of JSON,
 * ~1 s of CPU to parse): its version, counts and the silver snapshots it is complete for.
 */
export interface MapStamp {
  readonly version: number
  readonly variants: number
  readonly companies: number
  readonly complete: Readonly<Record<string, string>>
}

export interface EntityStoreShape {
  readonly load: Effect.Effect<EntityMap, EntityStoreError>
  /**
   * The stored map's stamp, when the store keeps one for exactly the map stored now (none: unknown, load it).
   * Optional: stores without it always load.
   */
  readonly stamp?: Effect.Effect<Option.Option<MapStamp>, EntityStoreError>
  /** Store the stamp of `map`, when it is the map this process last loaded or saved (a lake stored before stamps). */
  readonly writeStamp?: (map: EntityMap) => Effect.Effect<void, EntityStoreError>
  readonly save: (map: EntityMap) => Effect.Effect<void, EntityStoreError>
  readonly overrides: Effect.Effect<ReadonlyArray<OverrideRecord>, EntityStoreError>
  /** Append an override; returns it numbered (version = previous count + 1). */
  readonly addOverride: (override: Override, at: string) => Effect.Effect<OverrideRecord, EntityStoreError>
}

export class EntityStore extends Context.Service<EntityStore, EntityStoreShape>()(
  "@ventureos/pipeline/EntityStore"
) {
  /** In memory (tests, one process). */
  static readonly layerMemory: Layer.Layer<EntityStore> = Layer.sync(EntityStore, () => {
    let map = emptyMap()
    const log: Array<OverrideRecord> = []
    return {
      load: Effect.sync(() => map),
      save: (m) =>
        Effect.sync(() => {
          map = m
        }),
      overrides: Effect.sync(() => [...log]),
      addOverride: (override, at) =>
        Effect.sync(() => {
          const r = { version: log.length + 1, at, override }
          log.push(r)
          return r
        })
    }
  })

  /**
   * Files in a folder of the lake home: `map.json` (replaced atomically: written aside, then renamed) and
   * `overrides.jsonl` (one numbered override per line, appended).
   */
  static readonly layerFileSystem = (dir: string): Layer.Layer<EntityStore> =>
    Layer.succeed(EntityStore, makeFileStore(dir))
}

/**
 * The map each file store last read or wrote, by path, with the file's identity then (inode, size, mtime).
 * One command loads the map several times (the entity update, the company roll-up of gold reads, the
 * offender score's key): parsing it once per process and handing out the same (immutable) map is enough,
 * and a map replaced by another process has another inode, so it is read again.
 */
const parsedMaps = new Map<string, { readonly id: string; readonly map: EntityMap }>()

const fileId = (path: string): Promise<string | undefined> =>
  stat(path, { bigint: true }).then(
    (s) => `${s.ino}:${s.size}:${s.mtimeNs}`,
    (e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? undefined : Promise.reject(e))
  )

/** The stamp of a map (see {@link MapStamp}). */
export const stampOf = (map: EntityMap): MapStamp => ({
  version: map.version,
  variants: Object.keys(map.variants).length,
  companies: Object.keys(map.companies).length,
  complete: map.complete ?? {}
})

/** A stored stamp, when well formed and written for the map file of identity `id`. */
const parseStamp = (text: string, id: string): MapStamp | undefined => {
  try {
    const s = JSON.parse(text) as Partial<MapStamp> & { mapId?: unknown }
    const count = (n: unknown) => typeof n === "number" && Number.isSafeInteger(n) && n >= 0
    if (s === null || typeof s !== "object" || s.mapId !== id) return undefined
    if (!count(s.version) || !count(s.variants) || !count(s.companies)) return undefined
    if (s.complete === null || typeof s.complete !== "object" || Array.isArray(s.complete)) return undefined
    if (!Object.values(s.complete).every((v) => typeof v === "string")) return undefined
    return { version: s.version!, variants: s.variants!, companies: s.companies!, complete: s.complete }
  } catch {
    return undefined
  }
}

const makeFileStore = (dir: string): EntityStoreShape => {
  const mapPath = join(dir, "map.json")
  // written after each save with the saved file's identity: trusted only while map.json is that file
  const stampPath = join(dir, "map.stamp.json")
  // the stamp names the map file it describes (rename keeps inode, size and mtime): a later save by another
  // process, or a crash before this write, leaves a stamp that no longer matches
  const saveStamp = async (id: string, map: EntityMap) => {
    const tmp = `${stampPath}.${process.pid}.tmp`
    await writeFile(tmp, JSON.stringify({ mapId: id, ...stampOf(map) }))
    await rename(tmp, stampPath)
  }
  const logPath = join(dir, "overrides.jsonl")
  const fail = (op: string, path: string) => (e: unknown) =>
    new EntityStoreError({ op, path, detail: e instanceof Error ? e.message : String(e) })
  const readText = (path: string) =>
    Effect.tryPromise({
      try: () =>
        readFile(path, "utf8").catch((e: NodeJS.ErrnoException) =>
          e.code === "ENOENT" ? "" : Promise.reject(e)
        ),
      catch: fail("read", path)
    })
  const overrides = Effect.flatMap(readText(logPath), (text) =>
    Effect.try({
      try: () =>
        text
          .split("\n")
          .filter((l) => l.trim() !== "")
          .map((l) => JSON.parse(l) as OverrideRecord),
      catch: fail("parse", logPath)
    })
  )
  return {
    load: Effect.gen(function* () {
      const id = yield* Effect.tryPromise({ try: () => fileId(mapPath), catch: fail("stat", mapPath) })
      if (id === undefined) return emptyMap()
      const known = parsedMaps.get(mapPath)
      if (known?.id === id) return known.map
      const text = yield* readText(mapPath)
      if (text === "") return emptyMap()
      const map = yield* Effect.try({
        try: () => JSON.parse(text) as EntityMap,
        catch: fail("parse", mapPath)
      })
      // the identity taken before reading: a file replaced meanwhile is read again next time
      parsedMaps.set(mapPath, { id, map })
      return map
    }),
    stamp: Effect.tryPromise({
      try: async () => {
        const id = await fileId(mapPath)
        if (id === undefined) return Option.none()
        const text = await readFile(stampPath, "utf8").catch(() => undefined)
        const stamp = text === undefined ? undefined : parseStamp(text, id)
        return Option.fromUndefinedOr(stamp)
      },
      catch: fail("stat", mapPath)
    }),
    save: (map) =>
      Effect.tryPromise({
        try: async () => {
          await mkdir(dir, { recursive: true })
          const tmp = `${mapPath}.${process.pid}.tmp`
          await writeFile(tmp, JSON.stringify(map))
          const id = await fileId(tmp)
          await rename(tmp, mapPath)
          if (id === undefined) parsedMaps.delete(mapPath)
          else {
            parsedMaps.set(mapPath, { id, map })
            await saveStamp(id, map)
          }
        },
        catch: fail("write", mapPath)
      }),
    writeStamp: (map) =>
      Effect.tryPromise({
        try: async () => {
          const known = parsedMaps.get(mapPath)
          if (known?.map === map) await saveStamp(known.id, map)
        },
        catch: fail("write", stampPath)
      }),
    overrides,
    addOverride: (override, at) =>
      Effect.gen(function* () {
        const prior = yield* overrides
        const record: OverrideRecord = { version: prior.length + 1, at, override }
        yield* Effect.tryPromise({
          try: async () => {
            await mkdir(dir, { recursive: true })
            await writeFile(logPath, `${JSON.stringify(record)}\n`, { flag: "a" })
          },
          catch: fail("append", logPath)
        })
        return record
      })
  }
}
