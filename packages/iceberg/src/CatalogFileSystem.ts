import { randomUUID } from "node:crypto"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { Effect, Layer } from "effect"
import {
  Catalog,
  CatalogError,
  type CatalogShape,
  type LoadedTable,
  rejectionError,
  showTableId,
  type TableIdentifier
} from "./Catalog"
import { toFileUri, toLocalPath, writeFileAtomic } from "./FileIO"
import { applyCommit } from "./spec/Commit"
import { decodeTableMetadata, encodeTableMetadata, MetadataFormatError } from "./spec/Json"
import { newTableMetadata, type TableMetadata } from "./spec/Metadata"

/**
 * Filesystem ("hadoop") catalog: `<warehouse>/<namespace>/<table>/metadata/vN.metadata.json` plus
 * `version-hint.text`. A commit creates v(N+1) with `link()`, which is atomic and exclusive: if another writer
 * created it first we get EEXIST, which is a commit conflict (reload, re-apply, retry). The file is fully
 * written under a temporary name before the link, so a crash never leaves a torn metadata file.
 * Local disks only: object stores have no exclusive create (use the REST catalog there).
 */
export interface FileSystemCatalogOptions {
  /** Warehouse root: a local path or `file:` URI. */
  readonly warehouse: string
}

const codeOf = (e: unknown): string | undefined => (e as { code?: string } | null)?.code
const VERSION = /^v(\d+)\.metadata\.json$/
const PREVIOUS_VERSIONS_MAX = "write.metadata.previous-versions-max"
const DELETE_AFTER_COMMIT = "write.metadata.delete-after-commit.enabled"

/** Make the filesystem catalog. */
export const make = (options: FileSystemCatalogOptions): CatalogShape => {
  const root = toLocalPath(options.warehouse)
  if (root === undefined)
    throw new Error(`filesystem catalog needs a local warehouse, got ${options.warehouse}`)
  const tableDir = (id: TableIdentifier) => path.join(root, ...id.namespace, id.name)
  const metaDir = (id: TableIdentifier) => path.join(tableDir(id), "metadata")
  const versionFile = (id: TableIdentifier, v: number) => path.join(metaDir(id), `v${v}.metadata.json`)
  const name = showTableId

  const err = (id: TableIdentifier, reason: CatalogError["reason"], detail: string, file?: string) =>
    new CatalogError({ reason, table: name(id), detail, ...(file === undefined ? {} : { file }) })

  /** Latest version number: start at the hint, then probe upwards (the hint may be stale after a crash). */
  const latestVersion = async (id: TableIdentifier): Promise<number | undefined> => {
    const dir = metaDir(id)
    let v: number | undefined
    try {
      const hint = Number.parseInt(
        (await fs.readFile(path.join(dir, "version-hint.text"), "utf8")).trim(),
        10
      )
      if (Number.isInteger(hint) && hint > 0) v = hint
    } catch {
      // no hint: fall back to listing
    }
    if (v === undefined) {
      let names: Array<string>
      try {
        names = await fs.readdir(dir)
      } catch (e) {
        if (codeOf(e) === "ENOENT" || codeOf(e) === "ENOTDIR") return undefined
        throw e
      }
      const vs = names
        .map((n) => VERSION.exec(n))
        .filter((m) => m !== null)
        .map((m) => Number(m[1]))
      if (vs.length === 0) return undefined
      v = Math.max(...vs)
    }
    try {
      await fs.access(versionFile(id, v))
    } catch {
      return undefined
    }
    const fromHint = v
    for (;;) {
      try {
        await fs.access(versionFile(id, v + 1))
        v++
      } catch {
        break
      }
    }
    // heal a stale hint (a writer died between publishing vN and updating the hint): readers that trust
    // the hint alone (icebird) then see the latest version too
    if (v !== fromHint)
      await writeFileAtomic(path.join(dir, "version-hint.text"), String(v)).catch(() => undefined)
    return v
  }

  // decoded metadata by file + size + mtime: vN files are immutable once published, so each is parsed once
  const cache = new Map<string, { key: string; table: LoadedTable }>()
  const readVersion = (id: TableIdentifier, v: number): Effect.Effect<LoadedTable, CatalogError> => {
    const file = versionFile(id, v)
    let statKey = ""
    return Effect.tryPromise({
      try: async () => {
        const st = await fs.stat(file)
        statKey = `${st.size}:${st.mtimeMs}`
        const hit = cache.get(file)
        if (hit !== undefined && hit.key === statKey) return hit.table
        return await fs.readFile(file, "utf8")
      },
      catch: (e) => err(id, codeOf(e) === "ENOENT" ? "NoSuchTable" : "Io", String(e), file)
    }).pipe(
      Effect.flatMap((x) => (typeof x === "string" ? decodeFile(id, file, x, statKey) : Effect.succeed(x)))
    )
  }
  const decodeFile = (id: TableIdentifier, file: string, text: string, statKey: string) =>
    Effect.succeed(text).pipe(
      Effect.flatMap((text) =>
        Effect.try({
          try: () => decodeTableMetadata(text),
          catch: (e) =>
            err(
              id,
              "InvalidMetadata",
              e instanceof MetadataFormatError ? `corrupt table metadata: ${e.message}` : String(e),
              file
            )
        })
      ),
      Effect.map((metadata) => {
        const table = { identifier: id, metadata, metadataLocation: toFileUri(file) }
        if (cache.size > 256) cache.clear()
        cache.set(file, { key: statKey, table })
        return table
      })
    )

  const loadWithVersion = (id: TableIdentifier) =>
    Effect.tryPromise({
      try: () => latestVersion(id),
      catch: (e) => err(id, "Io", String(e), metaDir(id))
    }).pipe(
      Effect.flatMap((v) =>
        v === undefined
          ? Effect.fail(
              err(
                id,
                "NoSuchTable",
                `not an Iceberg table: no metadata/v<N>.metadata.json under ${tableDir(id)}`,
                tableDir(id)
              )
            )
          : Effect.map(readVersion(id, v), (t) => ({ table: t, version: v }))
      )
    )

  /** Publish version v exclusively; EEXIST -> CommitConflict. */
  const publish = (id: TableIdentifier, v: number, m: TableMetadata) =>
    Effect.tryPromise({
      try: async () => {
        const dir = metaDir(id)
        await fs.mkdir(dir, { recursive: true })
        const tmp = path.join(dir, `.v${v}-${randomUUID()}.metadata.json.tmp`)
        await fs.writeFile(tmp, encodeTableMetadata(m))
        try {
          await fs.link(tmp, versionFile(id, v))
        } finally {
          await fs.rm(tmp, { force: true })
        }
        const st = await fs.stat(versionFile(id, v))
        const table = { identifier: id, metadata: m, metadataLocation: toFileUri(versionFile(id, v)) }
        cache.set(versionFile(id, v), { key: `${st.size}:${st.mtimeMs}`, table })
        // best effort: readers probe past a stale hint
        await writeFileAtomic(path.join(dir, "version-hint.text"), String(v)).catch(() => undefined)
        return { identifier: id, metadata: m, metadataLocation: toFileUri(versionFile(id, v)) }
      },
      catch: (e) =>
        codeOf(e) === "EEXIST"
          ? err(
              id,
              "CommitConflict",
              `metadata version ${v} was created by another writer`,
              versionFile(id, v)
            )
          : err(id, "Io", String(e), versionFile(id, v))
    })

  return {
    defaultLocation: (id) => toFileUri(tableDir(id)),
    createTable: (id, req) =>
      Effect.gen(function* () {
        const exists = yield* Effect.promise(() => latestVersion(id).catch(() => undefined))
        if (exists !== undefined) return yield* err(id, "AlreadyExists", "table already exists", tableDir(id))
        const m = newTableMetadata({
          uuid: randomUUID(),
          location: req.location ?? toFileUri(tableDir(id)),
          schema: req.schema,
          specs: req.specs,
          ...(req.properties === undefined ? {} : { properties: req.properties }),
          ...(req.sortOrder === undefined ? {} : { sortOrder: req.sortOrder }),
          nowMs: Date.now()
        })
        return yield* publish(id, 1, m).pipe(
          Effect.mapError((e) =>
            e.reason === "CommitConflict" ? err(id, "AlreadyExists", "table already exists") : e
          )
        )
      }),
    loadTable: (id) => Effect.map(loadWithVersion(id), (x) => x.table),
    tableExists: (id) =>
      Effect.tryPromise({ try: () => latestVersion(id), catch: (e) => err(id, "Io", String(e)) }).pipe(
        Effect.map((v) => v !== undefined)
      ),
    commitTable: (id, commit) =>
      Effect.gen(function* () {
        const { table, version } = yield* loadWithVersion(id)
        const r = applyCommit(table.metadata, commit, {
          nowMs: Date.now(),
          previousMetadataFile: table.metadataLocation,
          maxMetadataLog: Number(table.metadata.properties[PREVIOUS_VERSIONS_MAX] ?? "100")
        })
        if (r._tag === "rejected") return yield* rejectionError(id, r.rejection)
        const published = yield* publish(id, version + 1, r.metadata)
        if (r.metadata.properties[DELETE_AFTER_COMMIT] === "true") {
          // old metadata files that fell out of the metadata log are no longer needed (Iceberg's
          // write.metadata.delete-after-commit): keeps the metadata directory bounded
          const kept = new Set(r.metadata["metadata-log"].map((e) => e["metadata-file"]))
          const dropped = [
            ...table.metadata["metadata-log"].map((e) => e["metadata-file"]),
            table.metadataLocation
          ]
            .filter((f) => !kept.has(f))
            .map(toLocalPath)
            .filter((f): f is string => f !== undefined)
          yield* Effect.promise(() => Promise.all(dropped.map((f) => fs.rm(f, { force: true }))))
        }
        return published
      }),
    listTables: (ns) =>
      Effect.tryPromise({
        try: async () => {
          const dir = path.join(root, ...ns)
          const names = await fs.readdir(dir).catch(() => [] as Array<string>)
          const out: Array<TableIdentifier> = []
          for (const n of names.sort()) {
            const id = { namespace: ns, name: n }
            if ((await latestVersion(id).catch(() => undefined)) !== undefined) out.push(id)
          }
          return out
        },
        catch: (e) => err({ namespace: ns, name: "*" }, "Io", String(e))
      }),
    dropTable: (id) =>
      Effect.tryPromise({
        try: () => fs.rm(tableDir(id), { recursive: true, force: true }),
        catch: (e) => err(id, "Io", String(e), tableDir(id))
      })
  }
}

/** Filesystem catalog layer. */
export const layer = (options: FileSystemCatalogOptions): Layer.Layer<Catalog> =>
  Layer.sync(Catalog, () => make(options))
