/** How an archived file is processed. */
export type IngestMode = "daily" | "historical"

/** A parsed bronze key: `bronze/{daily|historical}/{agency}/{yyyy}/{mm}/{dd}/{file}`. */
export interface BronzeKey {
  readonly key: string
  readonly mode: IngestMode
  readonly agency: string
  readonly date: string
  readonly file: string
}

/** What the gatekeeper decided for one object. */
export interface Route {
  readonly silver: boolean
  readonly gold: boolean
  /** Only daily uploads refresh the live feed: historical backfills must not burn DynamoDB writes. */
  readonly feed: boolean
}

const KEY_RE =
  /^(?:.*\/)?bronze\/(daily|historical)\/([a-z][a-z0-9_]{1,31}|auto)\/(\d{4})\/(\d{2})\/(\d{2})\/([^/]+)$/

/** Build a bronze key. */
export const bronzeKey = (mode: IngestMode, agency: string, date: string, file: string): string => {
  const [y, m, d] = date.split("-")
  return `bronze/${mode}/${agency}/${y}/${m}/${d}/${file}`
}

/**
 * Where other bytes under an already used bronze name go (bronze is write-once): the content hash's first 16
 * hex digits before the extension, `…/02/osha_violation.3f2a9c1b7d4e5f60.csv`. Same bytes, same key.
 */
export const bronzeVersionKey = (key: string, sha256: string): string => {
  const slash = key.lastIndexOf("/")
  const file = key.slice(slash + 1)
  const dot = file.lastIndexOf(".")
  const tag = sha256.slice(0, 16)
  const named = dot > 0 ? `${file.slice(0, dot)}.${tag}${file.slice(dot)}` : `${file}.${tag}`
  return `${key.slice(0, slash + 1)}${named}`
}

/**
 * Parse a bronze object key (as stored: event adapters decode their envelope's encoding first, and decoding
 * again would turn a '+' in a file name into a space, or fail on a '%'); `undefined` when the key is outside
 * the bronze layout (the caller says why).
 */
export const parseBronzeKey = (key: string): BronzeKey | undefined => {
  const m = KEY_RE.exec(key)
  if (m === null) return undefined
  const [, mode, agency, y, mo, d, file] = m as unknown as [
    string,
    IngestMode,
    string,
    string,
    string,
    string,
    string
  ]
  return { key: m[0], mode, agency, date: `${y}-${mo}-${d}`, file }
}

/** The gatekeeper: daily -> silver + gold + feed; historical -> silver + gold only. */
export const route = (k: BronzeKey): Route => ({ silver: true, gold: true, feed: k.mode === "daily" })

/** Where a batch's rejects and manifest live: next to the batch, under `rejects/` and `manifests/`. */
export const rejectsKey = (k: BronzeKey): string =>
  k.key.replace(/^(.*\/)?bronze\//, "rejects/") + ".rejects.jsonl"
export const manifestKey = (k: BronzeKey): string =>
  k.key.replace(/^(.*\/)?bronze\//, "manifests/") + ".manifest.json"

export const KEY_LAYOUT = "bronze/{daily|historical}/{agency}/{yyyy}/{mm}/{dd}/{file}"
