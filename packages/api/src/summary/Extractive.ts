import type { FeedItem } from "@ventureos/serving"
import { Effect, Layer } from "effect"
import { cleanText } from "./Prompt"
import { SummaryProvider } from "./Provider"

/**
 * The offline default: a summary assembled from the record's own fields and the first sentence of its
 * description. No model, no network, no cost, so local runs work with nothing configured. Grounded by
 * construction (it only repeats the record).
 */

const AGENCY_NAMES: Record<string, string> = { osha: "OSHA", epa: "EPA", faa: "FAA" }
const TYPE_WORDS: Record<string, string> = {
  willful: "a willful violation",
  repeat: "a repeat violation",
  serious: "a serious violation",
  other: "an other-than-serious violation",
  civil_penalty: "a civil penalty action",
  compliance_order: "a compliance order",
  judicial: "a judicial action",
  certificate_action: "a certificate action",
  administrative: "an administrative action",
  unclassified: "an enforcement action"
}

const dollars = (m: string): string => {
  const [w, f] = m.replace(/^-/, "").split(".") as [string, string]
  const grouped = w.replace(/\B(?=(\d{3})+(?!\d))/g, ",")
  return `$${grouped}${f === "00" ? "" : `.${f}`}`
}

const firstSentence = (s: string, max: number): string => {
  const m = /^(.{20,}?[.!?])(\s|$)/.exec(s)
  const sentence = m?.[1] ?? s
  return sentence.length > max ? `${sentence.slice(0, max).replace(/\s+\S*$/, "")}…` : sentence
}

/** The extractive summary of a record (plain text, at most ~600 characters). */
export const extractiveSummary = (r: FeedItem): string => {
  const agency = AGENCY_NAMES[r.agency] ?? r.agency.toUpperCase()
  const name = cleanText(r.company_name, 120)
  const place =
    r.city !== null && r.state !== null
      ? ` in ${cleanText(r.city, 60)}, ${r.state}`
      : r.state !== null
        ? ` in ${r.state}`
        : ""
  const what = TYPE_WORDS[r.violation_type] ?? "an enforcement action"
  const parts = [`${agency} recorded ${what} against ${name}${place} on ${r.date}.`]
  if (r.penalty_current !== null && r.penalty_initial !== null && r.penalty_current !== r.penalty_initial)
    parts.push(`The penalty went from ${dollars(r.penalty_initial)} to ${dollars(r.penalty_current)}.`)
  else if (r.penalty_current !== null || r.penalty_initial !== null)
    parts.push(`The penalty is ${dollars((r.penalty_current ?? r.penalty_initial)!)}.`)
  parts.push(`The case is ${r.status}.`)
  if (r.description !== null) {
    const d = firstSentence(cleanText(r.description, 2_000), 240)
    if (d !== "") parts.push(`Description: ${d}`)
  }
  return parts.join(" ")
}

/** The extractive provider (model `extractive`). */
export const layerExtractive = Layer.succeed(
  SummaryProvider,
  SummaryProvider.of({
    name: "extractive",
    model: "extractive",
    complete: ({ record }) =>
      Effect.sync(() => ({
        text: extractiveSummary(record),
        model: "extractive",
        inputTokens: 0,
        outputTokens: 0
      }))
  })
)
