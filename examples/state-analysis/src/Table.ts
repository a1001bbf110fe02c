import type { Offender } from "./TopOffenders"

/** `"3550000.00"` -> `"$3,550,000.00"`, on the decimal text (exact). */
export const money = (amount: string): string => {
  const negative = amount.startsWith("-")
  const [whole = "0", fraction = "00"] = (negative ? amount.slice(1) : amount).split(".")
  return `${negative ? "-" : ""}$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${fraction}`
}

const fit = (text: string, width: number): string =>
  text.length <= width ? text.padEnd(width) : `${text.slice(0, width - 1)}…`

/** A fixed-width table for people (the JSON line is for programs). */
export const renderTable = (title: string, rows: ReadonlyArray<Offender>): string => {
  const header = `${"#".padStart(3)}  ${fit("company", 44)} ${"viol.".padStart(5)} ${"W/R".padStart(4)} ${"open".padStart(4)} ${"penalties".padStart(14)}  ${fit("agency", 8)} last event`
  const lines = rows.map(
    (r) =>
      `${String(r.rank).padStart(3)}  ${fit(r.name, 44)} ${String(r.violations).padStart(5)} ${String(r.willful_or_repeat).padStart(4)} ${String(r.open).padStart(4)} ${money(r.penalty_current_total).padStart(14)}  ${fit(r.agencies.join(","), 8)} ${r.last_event_date ?? "-"}`
  )
  return [
    title,
    header,
    "-".repeat(header.length),
    ...(lines.length > 0 ? lines : ["  (no companies)"])
  ].join("\n")
}
