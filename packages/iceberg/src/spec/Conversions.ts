import { decimalParams, type PrimitiveType } from "./Schema"

/**
 * In-memory representation of an Iceberg value: int/date -> number (days for date), long/timestamp ->
 * bigint (µs for timestamps), decimal -> bigint unscaled value, string -> string, binary -> Uint8Array.
 */
export type IcebergValue = string | number | bigint | boolean | Uint8Array

const utf8 = new TextEncoder()
const utf8d = new TextDecoder("utf-8", { fatal: true })

const le = (bytes: number, write: (v: DataView) => void): Uint8Array => {
  const b = new Uint8Array(bytes)
  write(new DataView(b.buffer))
  return b
}

/** Minimal big-endian two's complement bytes of an integer (Iceberg's decimal serialization). */
export const bigintToTwosComplement = (v: bigint): Uint8Array => {
  const out: Array<number> = []
  let x = v
  for (;;) {
    const byte = Number(x & 0xffn)
    out.unshift(byte)
    x >>= 8n
    const signBit = (byte & 0x80) !== 0
    if ((x === 0n && !signBit) || (x === -1n && signBit)) break
  }
  return Uint8Array.from(out)
}

/** Inverse of {@link bigintToTwosComplement}. */
export const twosComplementToBigint = (b: Uint8Array): bigint => {
  if (b.length === 0) return 0n
  let x = 0n
  for (const byte of b) x = (x << 8n) | BigInt(byte)
  return (b[0]! & 0x80) !== 0 ? x - (1n << BigInt(8 * b.length)) : x
}

/** Iceberg single-value binary serialization (used for bounds and partition summaries). */
export const toBinary = (type: PrimitiveType, v: IcebergValue): Uint8Array => {
  if (decimalParams(type)) return bigintToTwosComplement(v as bigint)
  switch (type) {
    case "boolean":
      return Uint8Array.of(v ? 1 : 0)
    case "int":
    case "date":
      return le(4, (d) => d.setInt32(0, Number(v), true))
    case "long":
    case "timestamp":
    case "timestamptz":
      return le(8, (d) => d.setBigInt64(0, BigInt(v as bigint | number), true))
    case "float":
      return le(4, (d) => d.setFloat32(0, v as number, true))
    case "double":
      return le(8, (d) => d.setFloat64(0, v as number, true))
    case "string":
      return utf8.encode(v as string)
    default:
      return v as Uint8Array
  }
}

/** Decode Iceberg single-value binary serialization. */
export const fromBinary = (type: PrimitiveType, b: Uint8Array): IcebergValue => {
  if (decimalParams(type)) return twosComplementToBigint(b)
  const d = new DataView(b.buffer, b.byteOffset, b.byteLength)
  switch (type) {
    case "boolean":
      return b[0] !== 0
    case "int":
    case "date":
      return d.getInt32(0, true)
    case "long":
    case "timestamp":
    case "timestamptz":
      return d.getBigInt64(0, true)
    case "float":
      return d.getFloat32(0, true)
    case "double":
      return d.getFloat64(0, true)
    case "string":
      return utf8d.decode(b)
    default:
      return b
  }
}

/** Total order on values of one type (strings by UTF-8 bytes, as Iceberg compares them). */
export const compareValues = (a: IcebergValue, b: IcebergValue): number => {
  if (typeof a === "string" && typeof b === "string") {
    const x = utf8.encode(a)
    const y = utf8.encode(b)
    const n = Math.min(x.length, y.length)
    for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!
    return x.length - y.length
  }
  if (a instanceof Uint8Array || b instanceof Uint8Array) return 0
  return a < b ? -1 : a > b ? 1 : 0
}

const DAY_MS = 86_400_000

/** `yyyy-mm-dd` -> days since epoch. */
export const dateToDays = (s: string): number => {
  const m = /^(-?\d{4,})-(\d{2})-(\d{2})/.exec(s)
  if (!m) throw new Error(`not a date: ${s}`)
  return Math.round(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS)
}

/** Days since epoch -> `yyyy-mm-dd`. */
export const daysToDate = (days: number): string => new Date(days * DAY_MS).toISOString().slice(0, 10)

/** ISO / DuckDB timestamp text (UTC) -> microseconds since epoch. */
export const timestampToMicros = (s: string): bigint => {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\s*(Z|[+-]00(?::?00)?)?$/.exec(s)
  if (!m) throw new Error(`not a UTC timestamp: ${s}`)
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]))
  const frac = (m[7] ?? "").padEnd(6, "0").slice(0, 6)
  return BigInt(ms) * 1000n + BigInt(frac)
}

/** Microseconds since epoch -> ISO text with microseconds. */
export const microsToTimestamp = (us: bigint): string => {
  const ms = us / 1000n - (us % 1000n < 0n ? 1n : 0n)
  const rest = us - ms * 1000n
  const iso = new Date(Number(ms)).toISOString()
  return `${iso.slice(0, 23)}${rest.toString().padStart(3, "0")}Z`
}

/** Decimal text -> unscaled bigint at the given scale ("15.5" at scale 2 -> 1550n). */
export const decimalToUnscaled = (s: string, scale: number): bigint => {
  const m = /^(-)?(\d*)(?:\.(\d*))?$/.exec(s.trim())
  if (!m) throw new Error(`not a decimal: ${s}`)
  const frac = (m[3] ?? "").padEnd(scale, "0")
  if (frac.length > scale && !/^0*$/.test(frac.slice(scale)))
    throw new Error(`decimal ${s} exceeds scale ${scale}`)
  const v = BigInt(`${m[2] || "0"}${frac.slice(0, scale)}`)
  return m[1] ? -v : v
}

/** Unscaled bigint -> decimal text. */
export const unscaledToDecimal = (v: bigint, scale: number): string => {
  const neg = v < 0n
  const s = (neg ? -v : v).toString().padStart(scale + 1, "0")
  const body = scale === 0 ? s : `${s.slice(0, -scale)}.${s.slice(-scale)}`
  return neg ? `-${body}` : body
}

/** Parse a value from its text form (DuckDB statistics, JSON-ish input) into the Iceberg representation. */
export const fromText = (type: PrimitiveType, s: string): IcebergValue => {
  const d = decimalParams(type)
  if (d) return decimalToUnscaled(s, d.scale)
  switch (type) {
    case "boolean":
      return s === "true" || s === "1"
    case "int":
      return Number.parseInt(s, 10)
    case "long":
      return BigInt(s)
    case "float":
    case "double":
      return Number(s)
    case "date":
      return dateToDays(s)
    case "timestamp":
    case "timestamptz":
      return timestampToMicros(s)
    case "binary":
      return utf8.encode(s)
    default:
      return s
  }
}

/** Iceberg's default metrics mode truncate(16): bounds of long strings are truncated prefixes. */
export const truncateLower = (s: string, width = 16): string => Array.from(s).slice(0, width).join("")

/** Upper bound of a truncated string: the prefix with its last code point incremented (undefined if impossible). */
export const truncateUpper = (s: string, width = 16): string | undefined => {
  const cps = Array.from(s)
  if (cps.length <= width) return s
  const prefix = cps.slice(0, width)
  for (let i = prefix.length - 1; i >= 0; i--) {
    const cp = prefix[i]!.codePointAt(0)!
    let next = cp + 1
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000
    if (next <= 0x10ffff) return prefix.slice(0, i).join("") + String.fromCodePoint(next)
  }
  return undefined
}
