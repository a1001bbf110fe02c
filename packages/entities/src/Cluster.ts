/** A scored link between two items (indexes) that the comparison decided to merge. */
export interface Link {
  readonly a: number
  readonly b: number
  readonly score: number
}

/** Why two groups were joined: the link, and how the coherence check passed. */
export interface Join {
  readonly link: Link
  /** `single` (two singletons), `representatives` (the groups' representatives agree) or `links:<n>` (n links). */
  readonly coherence: string
}

export interface ClusterOptions {
  /** Groups to start from (e.g. the companies already in the map); items in none start alone. */
  readonly initial?: ReadonlyArray<ReadonlyArray<number>>
  /** Do two groups' representatives agree (their comparison is not `distinct`)? */
  readonly representativesAgree: (a: ReadonlyArray<number>, b: ReadonlyArray<number>) => boolean
  /** Pairs that must never end up together (an operator's split). */
  readonly cannotLink?: (a: number, b: number) => boolean
}

/**
 * Cluster `n` items from merge links without chaining: links are taken strongest first; two groups of which
 * at least one has several members join only when their representatives agree or at least two links tie
 * them (so one ambiguous name cannot pull two unrelated organisations together). Returns the groups (each
 * sorted, ordered by first member) and the joins made.
 */
export const cluster = (
  n: number,
  links: ReadonlyArray<Link>,
  options: ClusterOptions
): { readonly groups: Array<Array<number>>; readonly joins: Array<Join> } => {
  const group = new Int32Array(n).map((_, i) => i)
  const members = new Map<number, Array<number>>()
  for (let i = 0; i < n; i++) members.set(i, [i])
  for (const g of options.initial ?? []) {
    const [first, ...rest] = g
    if (first === undefined) continue
    const m = members.get(group[first]!)!
    for (const x of rest) {
      const gx = group[x]!
      if (gx === group[first]) continue
      for (const y of members.get(gx)!) {
        group[y] = group[first]!
        m.push(y)
      }
      members.delete(gx)
    }
  }
  // Links between items, to count how many tie two groups.
  const adjacency = new Map<number, Array<number>>()
  const adjacent = (x: number, y: number) => {
    const got = adjacency.get(x)
    if (got === undefined) adjacency.set(x, [y])
    else got.push(y)
  }
  for (const l of links) {
    adjacent(l.a, l.b)
    adjacent(l.b, l.a)
  }
  const linksBetween = (ga: number, gb: number): number => {
    let c = 0
    for (const x of members.get(ga)!) for (const y of adjacency.get(x) ?? []) if (group[y] === gb) c++
    return c
  }
  const joins: Array<Join> = []
  const sorted = [...links].sort((x, y) => y.score - x.score || x.a - y.a || x.b - y.b)
  for (const link of sorted) {
    const ga = group[link.a]!
    const gb = group[link.b]!
    if (ga === gb) continue
    const ma = members.get(ga)!
    const mb = members.get(gb)!
    if (options.cannotLink !== undefined && ma.some((x) => mb.some((y) => options.cannotLink!(x, y))))
      continue
    let coherence = "single"
    if (ma.length > 1 || mb.length > 1) {
      const k = linksBetween(ga, gb)
      if (k >= 2) coherence = `links:${k}`
      else if (options.representativesAgree(ma, mb)) coherence = "representatives"
      else continue
    }
    const [keep, drop] = ma.length >= mb.length ? [ga, gb] : [gb, ga]
    const km = members.get(keep)!
    for (const y of members.get(drop)!) {
      group[y] = keep
      km.push(y)
    }
    members.delete(drop)
    joins.push({ link, coherence })
  }
  const groups = [...members.values()].map((m) => m.sort((x, y) => x - y)).sort((x, y) => x[0]! - y[0]!)
  return { groups, joins }
}
