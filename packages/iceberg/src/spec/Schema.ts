/** Iceberg primitive types used by this project (a subset of the spec's primitives). */
export type PrimitiveType =
  | "boolean"
  | "int"
  | "long"
  | "float"
  | "double"
  | "date"
  | "timestamp"
  | "timestamptz"
  | "string"
  | "binary"
  | `decimal(${number},${number})`

/** One top-level field of an Iceberg schema (nested types are not needed here). */
export interface NestedField {
  readonly id: number
  readonly name: string
  readonly required: boolean
  readonly type: PrimitiveType
  readonly doc?: string
}

/** An Iceberg schema (struct) as it appears in table metadata JSON. */
export interface IcebergSchema {
  readonly type: "struct"
  readonly "schema-id": number
  readonly "identifier-field-ids"?: ReadonlyArray<number>
  readonly fields: ReadonlyArray<NestedField>
}

/** A column type as column lists give it: an Iceberg primitive, or `json` (a JSON document stored as a string). */
export type ColumnSpecType = PrimitiveType | "json"

/** A column description (the shape of `violationColumnList` in `@ventureos/core`). */
export interface ColumnSpec {
  readonly name: string
  readonly id: number
  readonly type: ColumnSpecType
  readonly required: boolean
  readonly doc?: string
}

/** Map a column type to its Iceberg primitive: JSON documents are stored as strings holding JSON text. */
export const icebergTypeOf = (t: ColumnSpecType): PrimitiveType => (t === "json" ? "string" : t)

/** Build an Iceberg schema from a column list; `identifier` names the upsert key columns. */
export const schemaFromColumns = (
  columns: ReadonlyArray<ColumnSpec>,
  options: { readonly schemaId?: number; readonly identifier?: ReadonlyArray<string> } = {}
): IcebergSchema => {
  const ids = new Set<number>()
  const fields = [...columns]
    .sort((a, b) => a.id - b.id)
    .map((c): NestedField => {
      if (!Number.isInteger(c.id) || c.id <= 0 || ids.has(c.id)) throw new Error(`invalid field id ${c.id}`)
      ids.add(c.id)
      return {
        id: c.id,
        name: c.name,
        required: c.required,
        type: icebergTypeOf(c.type),
        ...(c.doc === undefined ? {} : { doc: c.doc })
      }
    })
  const identifier = (options.identifier ?? []).map((n) => {
    const f = fields.find((x) => x.name === n)
    if (f === undefined) throw new Error(`identifier column ${n} is not in the schema`)
    if (!f.required) throw new Error(`identifier column ${n} must be required`)
    return f.id
  })
  return {
    type: "struct",
    "schema-id": options.schemaId ?? 0,
    ...(identifier.length > 0 ? { "identifier-field-ids": identifier } : {}),
    fields
  }
}

/** Highest field id in a schema. */
export const lastColumnId = (s: IcebergSchema): number => s.fields.reduce((m, f) => Math.max(m, f.id), 0)

/** Find a field by id or name. */
export const findField = (s: IcebergSchema, idOrName: number | string): NestedField | undefined =>
  s.fields.find((f) => (typeof idOrName === "number" ? f.id === idOrName : f.name === idOrName))

/** A new schema with one optional column added under a fresh field id (old files read it as null). */
export const addColumn = (
  s: IcebergSchema,
  lastAssigned: number,
  column: { readonly name: string; readonly type: PrimitiveType; readonly doc?: string }
): IcebergSchema => {
  if (findField(s, column.name) !== undefined) throw new Error(`column ${column.name} already exists`)
  return {
    ...s,
    "schema-id": s["schema-id"] + 1,
    fields: [
      ...s.fields,
      {
        id: Math.max(lastAssigned, lastColumnId(s)) + 1,
        name: column.name,
        required: false,
        type: column.type,
        ...(column.doc === undefined ? {} : { doc: column.doc })
      }
    ]
  }
}

/** Parse `decimal(P,S)`. */
export const decimalParams = (t: PrimitiveType): { precision: number; scale: number } | undefined => {
  const m = /^decimal\((\d+),\s*(\d+)\)$/.exec(t)
  return m ? { precision: Number(m[1]), scale: Number(m[2]) } : undefined
}

/** DuckDB SQL type of an Iceberg primitive. */
export const duckdbType = (t: PrimitiveType): string => {
  const d = decimalParams(t)
  if (d) return `DECIMAL(${d.precision},${d.scale})`
  switch (t) {
    case "boolean":
      return "BOOLEAN"
    case "int":
      return "INTEGER"
    case "long":
      return "BIGINT"
    case "float":
      return "FLOAT"
    case "double":
      return "DOUBLE"
    case "date":
      return "DATE"
    case "timestamp":
      return "TIMESTAMP"
    case "timestamptz":
      return "TIMESTAMPTZ"
    case "binary":
      return "BLOB"
    default:
      return "VARCHAR"
  }
}
