import type { FeedItem } from "@ventureos/serving"
import { Effect, Layer } from "effect"
import { cleanText } from "./Prompt"
import { SummaryProvider } from "./Provider"

/**
 * The offline default: a summary assembled from the record's own fields and the first sentence of its
 * description, quoted as the agency's words (or left out when it reads as instructions to a model). No
 * model, no network, no cost, so local runs work with nothing configured. Grounded by construction (it only
 * repeats the record).
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

/**
 * Text that talks to a model instead of describing a violation (prompt injection planted in agency data):
 * never repeated, not even quoted.
 */
const INSTRUCTION_LIKE =
  /\b(ignore|disregard|forget|override)\b[^.]{0,40}\b(instructions?|prompts?|rules|above|previous|guidelines)\b|\byou are (now|no longer)\b|\b(system|developer) (prompt|message)\b|\bact as\b|\bjailbreak|\bpretend (to be|you)\b|\b(say|write|state) that\b/i

/** The description as a marked quotation of the agency's words, or a note that it was left out. */
const quotedDescription = (description: string): string => {
  const d = firstSentence(cleanText(description, 2_000), 240)
  if (d === "") return ""
  if (INSTRUCTION_LIKE.test(cleanText(description, 2_000)))
    return "The record's description is not repeated here: it reads as instructions, not as a description."
  // typographic quotes inside become plain apostrophes, so the quotation cannot be closed early
  return `The agency's description reads: “${d.replace(/["“”]/g, "'")}”`
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
  else if (r.penalty_current === null && r.penalty_initial !== null)
    // a blank current penalty is unknown (OSHA's "amount collected or expected"), not the initial amount
    parts.push(`The initial penalty was ${dollars(r.penalty_initial)}; the current penalty is unknown.`)
  else if (r.penalty_current !== null) parts.push(`The penalty is ${dollars(r.penalty_current)}.`)
  parts.push(`The case is ${r.status}.`)
  if (r.description !== null) {
    // The agency's words are quoted, never stated as the summary's own: a description is untrusted data.
    const q = quotedDescription(r.description)
    if (q !== "") parts.push(q)
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
