/** Human output helpers (stderr): money with separators, plurals, names cut with an ellipsis. */

/** `"3550000.00"` -> `"$3,550,000.00"`; `null` -> `"-"`. Exact: works on the decimal string, not a float. */
export const money = (amount: string | null | undefined): string => {
  if (amount === null || amount === undefined) return "-"
  const negative = amount.startsWith("-")
  const [whole = "0", fraction] = (negative ? amount.slice(1) : amount).split(".")
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")
  return `${negative ? "-" : ""}$${grouped}${fraction === undefined ? "" : `.${fraction}`}`
}

/**
 * `1234567` -> `"1,234,567"`, as `toLocaleString("en-US")` prints it, without it for whole numbers: the first
 * `toLocaleString` of a process loads ICU's number formatting (~10 ms of CPU idle, 100+ under load), which a
 * replay paid just to print its progress line and summary.
 */
export const grouped = (n: number): string =>
  Number.isSafeInteger(n) && !Object.is(n, -0)
    ? String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",")
    : n.toLocaleString("en-US")

/** `1 violation`, `2 violations`, `1,234 violations`. */
export const count = (n: number, singular: string, plural = `${singular}s`): string =>
  `${grouped(n)} ${n === 1 ? singular : plural}`

/** Fit `text` in `width` columns: padded when shorter, cut with "…" when longer. */
export const fit = (text: string, width: number): string =>
  text.length <= width ? text.padEnd(width) : `${text.slice(0, width - 1)}…`
