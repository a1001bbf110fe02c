import { Schema } from "effect"

/**
 * Exact money as a decimal string with two fraction digits ("1234.50", "-20.00").
 * Never a float: sums are done on bigint cents. Maps to Iceberg decimal(18,2).
 */
export const Money = Schema.String.check(
  Schema.isPattern(/^-?(0|[1-9]\d{0,15})\.\d{2}$/, {
    description: "a decimal amount with two fraction digits, e.g. 1250.00"
  })
).pipe(Schema.brand("Money"))
export type Money = typeof Money.Type

/** Largest absolute amount representable in decimal(18,2). */
const MAX_CENTS = 10n ** 18n - 1n

/** bigint cents -> Money. */
export const moneyFromCents = (cents: bigint): Money => {
  if (cents > MAX_CENTS || cents < -MAX_CENTS)
    throw new RangeError(`amount out of decimal(18,2) range: ${cents}`)
  const neg = cents < 0n
  const abs = neg ? -cents : cents
  const whole = abs / 100n
  const frac = (abs % 100n).toString().padStart(2, "0")
  return `${neg ? "-" : ""}${whole}.${frac}` as Money
}

/** Money -> bigint cents. */
export const moneyToCents = (m: Money): bigint => {
  const neg = m.startsWith("-")
  const [w, f] = (neg ? m.slice(1) : m).split(".") as [string, string]
  const c = BigInt(w) * 100n + BigInt(f)
  return neg ? -c : c
}

/** Sum amounts exactly. */
export const addMoney = (...ms: ReadonlyArray<Money>): Money =>
  moneyFromCents(ms.reduce((a, m) => a + moneyToCents(m), 0n))

/** Why a raw amount could not be read. */
export type MoneyParse =
  | { readonly _tag: "ok"; readonly value: Money | null }
  | { readonly _tag: "error"; readonly reason: string }

const AMOUNT = /^(-)?\$?((?:\d{1,3}(?:,\d{3})+|\d+)?)(?:\.(\d+))?$/

/**
 * Parse a published amount: "1250", "1,250.5", "$1,250.00", "(125.00)" (accounting negative), "-3".
 * Blank is `null` (EPA and FAA leave it blank when absent/waived: blank is not zero).
 * Fractions beyond cents must be zeros (we never round money).
 */
export const parseMoney = (raw: string | null | undefined): MoneyParse => {
  if (raw == null) return { _tag: "ok", value: null }
  let s = raw.trim()
  if (s === "") return { _tag: "ok", value: null }
  let neg = false
  if (s.startsWith("(") && s.endsWith(")")) {
    neg = true
    s = s.slice(1, -1).trim()
  }
  const m = AMOUNT.exec(s)
  if (m === null || (m[2] === "" && m[3] === undefined)) {
    return { _tag: "error", reason: "expected a decimal amount such as 1250 or 1,250.00" }
  }
  if (m[1] === "-") neg = !neg
  const whole = (m[2] ?? "").replaceAll(",", "") || "0"
  let frac = m[3] ?? ""
  if (frac.length > 2) {
    if (!/^0+$/.test(frac.slice(2))) return { _tag: "error", reason: "amount has sub-cent digits" }
    frac = frac.slice(0, 2)
  }
  if (whole.length > 16) return { _tag: "error", reason: "amount too large for decimal(18,2)" }
  const cents = BigInt(whole) * 100n + BigInt(frac.padEnd(2, "0"))
  return { _tag: "ok", value: moneyFromCents(neg ? -cents : cents) }
}
