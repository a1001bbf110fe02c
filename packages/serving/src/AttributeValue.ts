/**
 * DynamoDB's AttributeValue encoding, as pure data and pure functions (no SDK): the driver marshals with
 * it, and the legacy importer reads JSON-lines exports with it (`{"PK":{"S":"BRAND#x"},...}`).
 */
export type AttributeValue =
  | { readonly S: string }
  | { readonly N: string }
  | { readonly BOOL: boolean }
  | { readonly NULL: true }
  | { readonly L: ReadonlyArray<AttributeValue> }
  | { readonly M: AttributeMap }
  | { readonly SS: ReadonlyArray<string> }
  | { readonly NS: ReadonlyArray<string> }
  | { readonly B: Uint8Array }
  | { readonly BS: ReadonlyArray<Uint8Array> }

/** A DynamoDB item. */
export type AttributeMap = { readonly [name: string]: AttributeValue }

/** A plain JSON-like value (what items hold once unmarshalled). */
export type Plain =
  | string
  | number
  | boolean
  | null
  | Uint8Array
  | ReadonlyArray<Plain>
  | { readonly [k: string]: Plain }

/** Marshal a JS value. `undefined` object fields are dropped (exactOptionalPropertyTypes friendly). */
export const marshall = (value: unknown): AttributeValue => {
  if (value === null || value === undefined) return { NULL: true }
  if (typeof value === "string") return { S: value }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`cannot store a non-finite number: ${value}`)
    return { N: String(value) }
  }
  if (typeof value === "boolean") return { BOOL: value }
  if (value instanceof Uint8Array) return { B: value }
  if (Array.isArray(value)) return { L: value.map(marshall) }
  if (typeof value === "object") return { M: marshallItem(value as Record<string, unknown>) }
  throw new TypeError(`cannot store a ${typeof value}`)
}

/** Marshal an object into an item. */
export const marshallItem = (obj: Readonly<Record<string, unknown>>): Record<string, AttributeValue> => {
  const out: Record<string, AttributeValue> = {}
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = marshall(v)
  return out
}

/** Unmarshal one value; numbers become JS numbers (we only store counts as N). */
export const unmarshall = (av: AttributeValue): Plain => {
  if ("S" in av) return av.S
  if ("N" in av) return Number(av.N)
  if ("BOOL" in av) return av.BOOL
  if ("NULL" in av) return null
  if ("L" in av) return av.L.map(unmarshall)
  if ("M" in av) return unmarshallItem(av.M)
  if ("SS" in av) return [...av.SS]
  if ("NS" in av) return av.NS.map(Number)
  if ("B" in av) return av.B
  return [...av.BS]
}

/** Unmarshal an item into a plain object. */
export const unmarshallItem = (item: AttributeMap): { readonly [k: string]: Plain } => {
  const out: Record<string, Plain> = {}
  for (const [k, v] of Object.entries(item)) out[k] = unmarshall(v)
  return out
}

const TYPES = ["S", "N", "BOOL", "NULL", "L", "M", "SS", "NS", "B", "BS"] as const

/**
 * Read an AttributeValue from untrusted JSON (exports write binary as base64). Returns a reason string when
 * the value is not a well-formed AttributeValue.
 */
export const attributeValueFromJson = (json: unknown, path = "$"): AttributeValue | string => {
  if (typeof json !== "object" || json === null || Array.isArray(json))
    return `${path}: expected an AttributeValue object`
  const keys = Object.keys(json)
  const t = keys[0]
  if (keys.length !== 1 || t === undefined || !(TYPES as ReadonlyArray<string>).includes(t))
    return `${path}: expected exactly one of ${TYPES.join(", ")}, got ${JSON.stringify(keys)}`
  const v = (json as Record<string, unknown>)[t]
  const strings = (x: unknown): x is ReadonlyArray<string> =>
    Array.isArray(x) && x.every((s) => typeof s === "string")
  switch (t) {
    case "S":
      return typeof v === "string" ? { S: v } : `${path}.S: expected a string`
    case "N":
      return typeof v === "string" && Number.isFinite(Number(v))
        ? { N: v }
        : `${path}.N: expected a number string`
    case "BOOL":
      return typeof v === "boolean" ? { BOOL: v } : `${path}.BOOL: expected a boolean`
    case "NULL":
      return v === true ? { NULL: true } : `${path}.NULL: expected true`
    case "SS":
      return strings(v) ? { SS: v } : `${path}.SS: expected strings`
    case "NS":
      return strings(v) && v.every((s) => Number.isFinite(Number(s)))
        ? { NS: v }
        : `${path}.NS: expected numbers`
    case "B":
      return typeof v === "string" ? { B: Buffer.from(v, "base64") } : `${path}.B: expected base64`
    case "BS":
      return strings(v)
        ? { BS: v.map((s) => Buffer.from(s, "base64")) }
        : `${path}.BS: expected base64 strings`
    case "L": {
      if (!Array.isArray(v)) return `${path}.L: expected an array`
      const out: Array<AttributeValue> = []
      for (const [i, e] of v.entries()) {
        const r = attributeValueFromJson(e, `${path}[${i}]`)
        if (typeof r === "string") return r
        out.push(r)
      }
      return { L: out }
    }
    default: {
      const r = itemFromJson(v, path)
      return typeof r === "string" ? r : { M: r }
    }
  }
}

/** Read a whole item from untrusted JSON. */
export const itemFromJson = (json: unknown, path = "$"): AttributeMap | string => {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return `${path}: expected an object`
  const out: Record<string, AttributeValue> = {}
  for (const [k, v] of Object.entries(json)) {
    const r = attributeValueFromJson(v, `${path}.${k}`)
    if (typeof r === "string") return r
    out[k] = r
  }
  return out
}

const utf8 = (s: string) => Buffer.byteLength(s, "utf8")
const numberSize = (n: string) => {
  const digits = n.replace(/^[-+]/, "").replace(/e.*$/i, "").replace(".", "").replace(/^0+/, "")
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1
}

/** Size of a value as DynamoDB bills it (documented rules; +1 byte per nested element, +3 per container). */
export const attributeValueSize = (av: AttributeValue): number => {
  if ("S" in av) return utf8(av.S)
  if ("N" in av) return numberSize(av.N)
  if ("BOOL" in av || "NULL" in av) return 1
  if ("B" in av) return av.B.byteLength
  if ("SS" in av) return av.SS.reduce((a, s) => a + utf8(s), 0)
  if ("NS" in av) return av.NS.reduce((a, s) => a + numberSize(s), 0)
  if ("BS" in av) return av.BS.reduce((a, b) => a + b.byteLength, 0)
  if ("L" in av) return 3 + av.L.reduce((a, e) => a + 1 + attributeValueSize(e), 0)
  return 3 + Object.entries(av.M).reduce((a, [k, v]) => a + 1 + utf8(k) + attributeValueSize(v), 0)
}

/** Size of an item: attribute names plus values. */
export const itemSize = (item: AttributeMap): number =>
  Object.entries(item).reduce((a, [k, v]) => a + utf8(k) + attributeValueSize(v), 0)
