import { createHash } from "node:crypto"
import type { Violation } from "@ventureos/core"
import { LineageFields } from "@ventureos/core"

const LINEAGE = new Set<string>(LineageFields)

/** Stable JSON: object keys sorted, so equal content always hashes equal. */
const stable = (v: unknown): string => {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null"
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`
  const keys = Object.keys(v as object).sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`).join(",")}}`
}

/** Hash of a record's business content (lineage excluded): equal hash == nothing to re-write. */
export const contentHash = (record: Omit<Violation, "content_hash"> | Violation): string => {
  const body: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(record)) if (!LINEAGE.has(k)) body[k] = v
  return createHash("sha256").update(stable(body)).digest("hex").slice(0, 32)
}
