import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { type EntityMap, emptyMap, type Override, type OverrideRecord } from "@ventureos/entities"
import { Context, Effect, Layer, Schema } from "effect"

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
export interface EntityStoreShape {
  readonly load: Effect.Effect<EntityMap, EntityStoreError>
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

const makeFileStore = (dir: string): EntityStoreShape => {
  const mapPath = join(dir, "map.json")
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
    save: (map) =>
      Effect.tryPromise({
        try: async () => {
          await mkdir(dir, { recursive: true })
          const tmp = `${mapPath}.${process.pid}.tmp`
          await writeFile(tmp, JSON.stringify(map))
          const id = await fileId(tmp)
          await rename(tmp, mapPath)
          if (id === undefined) parsedMaps.delete(mapPath)
          else parsedMaps.set(mapPath, { id, map })
        },
        catch: fail("write", mapPath)
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
