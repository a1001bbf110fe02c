/** Jaro similarity of two strings, 0..1. */
export const jaro = (a: string, b: string): number => {
  if (a === b) return a.length === 0 ? 0 : 1
  const la = a.length
  const lb = b.length
  if (la === 0 || lb === 0) return 0
  const window = Math.max(0, Math.floor(Math.max(la, lb) / 2) - 1)
  const ma = new Uint8Array(la)
  const mb = new Uint8Array(lb)
  let matches = 0
  for (let i = 0; i < la; i++) {
    const lo = Math.max(0, i - window)
    const hi = Math.min(lb - 1, i + window)
    for (let j = lo; j <= hi; j++) {
      if (mb[j] === 1 || a.charCodeAt(i) !== b.charCodeAt(j)) continue
      ma[i] = 1
      mb[j] = 1
      matches++
      break
    }
  }
  if (matches === 0) return 0
  let t = 0
  let k = 0
  for (let i = 0; i < la; i++) {
    if (ma[i] === 0) continue
    while (mb[k] === 0) k++
    if (a.charCodeAt(i) !== b.charCodeAt(k)) t++
    k++
  }
  return (matches / la + matches / lb + (matches - t / 2) / matches) / 3
}

/** Jaro-Winkler similarity (prefix scale 0.1, up to 4 characters), 0..1; the same definition as DuckDB's. */
export const jaroWinkler = (a: string, b: string): number => {
  const j = jaro(a, b)
  let p = 0
  while (p < 4 && p < a.length && p < b.length && a[p] === b[p]) p++
  return j + p * 0.1 * (1 - j)
}

/** Document frequencies of tokens over a set of names, for IDF weights. Mutable: add names as they come. */
export class TokenStats {
  private readonly df = new Map<string, number>()
  /** IDF weights computed since the last name was added (comparisons ask for the same words many times). */
  private readonly idfs = new Map<string, number>()
  private n = 0
  /** Count one name's distinct tokens. */
  add(tokens: Iterable<string>): void {
    if (this.idfs.size > 0) this.idfs.clear()
    this.n++
    for (const t of new Set(tokens)) this.df.set(t, (this.df.get(t) ?? 0) + 1)
  }
  /** How many names hold the token. */
  count(t: string): number {
    return this.df.get(t) ?? 0
  }
  get size(): number {
    return this.n
  }
  /** Inverse document frequency, smoothed: ln(1 + N / (1 + df)), at least 0.1. */
  idf(t: string): number {
    let w = this.idfs.get(t)
    if (w === undefined) {
      w = Math.max(0.1, Math.log(1 + this.n / (1 + this.count(t))))
      this.idfs.set(t, w)
    }
    return w
  }
}
