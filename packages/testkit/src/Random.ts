/**
 * A small seeded PRNG (sfc32, seeded through splitmix32): the same seed gives the same sequence on every
 * platform, which is what makes generated data sets reproducible byte for byte.
 */
export class Random {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: number | string) {
    let s = typeof seed === "number" ? seed >>> 0 : hashString(seed)
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
      return (z ^ (z >>> 16)) >>> 0
    }
    this.a = next()
    this.b = next()
    this.c = next()
    this.d = next()
    for (let i = 0; i < 12; i++) this.u32()
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(xs: ReadonlyArray<T>): T {
    return xs[Math.floor(this.next() * xs.length)]!
  }

  /** Pick by weight: `[[value, weight], ...]`. */
  weighted<T>(table: ReadonlyArray<readonly [T, number]>): T {
    let total = 0
    for (const [, w] of table) total += w
    let x = this.next() * total
    for (const [v, w] of table) {
      x -= w
      if (x < 0) return v
    }
    return table[table.length - 1]![0]
  }

  /**
   * Zipf-like rank in [1, n] (exponent `s`), by inverting the continuous power law: O(1), no tables, so a
   * million companies cost no memory.
   */
  zipf(n: number, s: number): number {
    const u = this.next()
    const x = Math.abs(s - 1) < 1e-9 ? (n + 1) ** u : (1 + u * ((n + 1) ** (1 - s) - 1)) ** (1 / (1 - s))
    return Math.min(n, Math.max(1, Math.floor(x)))
  }
}

/** FNV-1a 32-bit hash, for deriving independent seeds (`${seed}:company:${id}`). */
export const hashString = (s: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}
