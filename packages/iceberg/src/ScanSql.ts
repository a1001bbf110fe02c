import { sqlIdent, sqlString } from "./SqlText"
import type { ResolvedEntry } from "./spec/Manifest"
import { duckdbType, type IcebergSchema, type NestedField } from "./spec/Schema"

/** Reserved field ids of position delete files (spec: file_path, pos). */
const POS_FILE_PATH = 2147483546
const POS_POS = 2147483545

/** `schema := MAP {...}` argument of `read_parquet`: columns resolved by Parquet field id, absent ones NULL. */
const schemaMap = (fields: ReadonlyArray<NestedField>) =>
  `MAP {${fields
    .map(
      (f) =>
        `${f.id}: {name: ${sqlString(f.name)}, type: ${sqlString(duckdbType(f.type))}, default_value: NULL}`
    )
    .join(", ")}}`

const list = (paths: ReadonlyArray<string>) => `[${paths.map(sqlString).join(", ")}]`

/**
 * DuckDB SQL that reads a planned snapshot: `read_parquet` over the live data files with columns matched by
 * field id (schema evolution: files written before a column existed read it as NULL), minus rows removed by
 * delete files. An equality delete removes matching rows from data files with a smaller data sequence
 * number; a position delete removes (file, pos) from data files with a sequence number <= its own.
 */
export const scanSql = (options: {
  readonly schema: IcebergSchema
  readonly dataFiles: ReadonlyArray<ResolvedEntry>
  readonly deleteFiles: ReadonlyArray<ResolvedEntry>
  /** Local path of each file (DuckDB reads local files only). */
  readonly localPath: (icebergPath: string) => string
}): string => {
  const { schema } = options
  const cols = schema.fields.map((f) => sqlIdent(f.name))
  if (options.dataFiles.length === 0)
    return `SELECT ${schema.fields.map((f) => `CAST(NULL AS ${duckdbType(f.type)}) AS ${sqlIdent(f.name)}`).join(", ")} WHERE false`
  const dataPaths = options.dataFiles.map((d) => options.localPath(d.dataFile.filePath))
  const read = `read_parquet(${list(dataPaths)}, filename = true, file_row_number = true, schema = ${schemaMap(schema.fields)})`
  if (options.deleteFiles.length === 0) return `SELECT ${cols.join(", ")} FROM ${read}`
  const filesCte = `__files(filename, __seq, __path) AS (VALUES ${options.dataFiles
    .map((d, i) => `(${sqlString(dataPaths[i]!)}, ${d.sequenceNumber}, ${sqlString(d.dataFile.filePath)})`)
    .join(", ")})`
  const ctes = [filesCte]
  const conds: Array<string> = []
  // equality deletes, grouped by their equality field set
  const groups = new Map<string, Array<ResolvedEntry>>()
  for (const d of options.deleteFiles) {
    if (d.dataFile.content !== 2) continue
    const k = (d.dataFile.equalityIds ?? []).join(",")
    groups.set(k, [...(groups.get(k) ?? []), d])
  }
  let g = 0
  for (const [k, files] of groups) {
    const keyFields = k
      .split(",")
      .map((id) => schema.fields.find((f) => f.id === Number(id)))
      .filter((f): f is NestedField => f !== undefined)
    if (keyFields.length === 0) continue
    const name = `__eq${g++}`
    const paths = files.map((d) => options.localPath(d.dataFile.filePath))
    const seqs = `(VALUES ${files.map((d, i) => `(${sqlString(paths[i]!)}, ${d.sequenceNumber})`).join(", ")}) s(filename, __dseq)`
    const keys = keyFields.map((f) => sqlIdent(f.name))
    ctes.push(
      `${name} AS (SELECT ${keys.join(", ")}, max(__dseq) AS __dseq FROM read_parquet(${list(paths)}, filename = true, schema = ${schemaMap(keyFields)}) JOIN ${seqs} USING (filename) GROUP BY ${keys.join(", ")})`
    )
    conds.push(
      `NOT EXISTS (SELECT 1 FROM ${name} x WHERE ${keys.map((c) => `x.${c} IS NOT DISTINCT FROM d.${c}`).join(" AND ")} AND x.__dseq > f.__seq)`
    )
  }
  const pos = options.deleteFiles.filter((d) => d.dataFile.content === 1)
  if (pos.length > 0) {
    const paths = pos.map((d) => options.localPath(d.dataFile.filePath))
    const seqs = `(VALUES ${pos.map((d, i) => `(${sqlString(paths[i]!)}, ${d.sequenceNumber})`).join(", ")}) s(filename, __dseq)`
    ctes.push(
      `__pos AS (SELECT file_path, pos, __dseq FROM read_parquet(${list(paths)}, filename = true, schema = MAP {${POS_FILE_PATH}: {name: 'file_path', type: 'VARCHAR', default_value: NULL}, ${POS_POS}: {name: 'pos', type: 'BIGINT', default_value: NULL}}) JOIN ${seqs} USING (filename))`
    )
    conds.push(
      `NOT EXISTS (SELECT 1 FROM __pos p WHERE p.file_path = f.__path AND p.pos = d.file_row_number AND p.__dseq >= f.__seq)`
    )
  }
  return `WITH ${ctes.join(",\n")}\nSELECT ${cols.map((c) => `d.${c}`).join(", ")} FROM ${read} d JOIN __files f USING (filename)${conds.length ? ` WHERE ${conds.join(" AND ")}` : ""}`
}
