import type { PlaceResponse } from "@ventureos/api-contract"
import { ApiError, api } from "../lib/api"
import { mix, parseHex, readableOn, toHex } from "../lib/color"
import { useBrand } from "../lib/context"
import { agencyName, formatCount, plural, stateName } from "../lib/format"
import { entityPath } from "../lib/links"
import { useResource } from "../lib/resource"
import { Link } from "../lib/router"
import { Loaded } from "./States"

/** A tile grid of the states (row, column), the usual 12 × 8 arrangement. */
// biome-ignore format: one line per map row
const TILES: ReadonlyArray<readonly [string, number, number]> = [
  ["AK", 0, 0], ["ME", 0, 11],
  ["VT", 1, 10], ["NH", 1, 11],
  ["WA", 2, 1], ["ID", 2, 2], ["MT", 2, 3], ["ND", 2, 4], ["MN", 2, 5], ["IL", 2, 6], ["WI", 2, 7], ["MI", 2, 8], ["NY", 2, 9], ["RI", 2, 10], ["MA", 2, 11],
  ["OR", 3, 1], ["NV", 3, 2], ["WY", 3, 3], ["SD", 3, 4], ["IA", 3, 5], ["IN", 3, 6], ["OH", 3, 7], ["PA", 3, 8], ["NJ", 3, 9], ["CT", 3, 10],
  ["CA", 4, 1], ["UT", 4, 2], ["CO", 4, 3], ["NE", 4, 4], ["MO", 4, 5], ["KY", 4, 6], ["WV", 4, 7], ["VA", 4, 8], ["MD", 4, 9], ["DE", 4, 10],
  ["AZ", 5, 2], ["NM", 5, 3], ["KS", 5, 4], ["AR", 5, 5], ["TN", 5, 6], ["NC", 5, 7], ["SC", 5, 8], ["DC", 5, 9],
  ["OK", 6, 4], ["LA", 6, 5], ["MS", 6, 6], ["AL", 6, 7], ["GA", 6, 8],
  ["HI", 7, 0], ["TX", 7, 4], ["FL", 7, 9], ["PR", 7, 11]
]

type Counts = ReadonlyMap<string, PlaceResponse | null>

/** Every state's page, six requests at a time; a state with nothing stored counts as no records. */
const loadAll = async (signal: AbortSignal): Promise<Counts> => {
  const out = new Map<string, PlaceResponse | null>()
  const queue = TILES.map((t) => t[0])
  let failure: unknown
  const worker = async () => {
    for (let code = queue.shift(); code !== undefined; code = queue.shift()) {
      try {
        out.set(code, await api.state(code, signal))
      } catch (e) {
        if (e instanceof ApiError && e.failure === "not-found") out.set(code, null)
        else failure ??= e
      }
    }
  }
  await Promise.all(Array.from({ length: 6 }, worker))
  if (failure !== undefined && out.size === 0) throw failure
  return out
}

const countOf = (p: PlaceResponse | null | undefined, agency: string): number => {
  if (p == null) return 0
  if (agency === "all") return p.stats_all?.violation_count ?? 0
  return p.stats_by_agency.find((s) => s.agency === agency)?.violation_count ?? 0
}

/** The `map` layout's headline: states coloured by their violation totals, each a link to its page. */
export const StateMap = ({ agency }: { agency: string }) => {
  const brand = useBrand()
  const [res, retry] = useResource<Counts>("state-map", loadAll)
  const bg = parseHex(brand.colors.background) ?? [255, 255, 255]
  const primary = parseHex(brand.colors.primary) ?? [31, 78, 121]
  // Five steps from "none" to the brand's primary; each tile's text picks whichever of dark/white reads.
  const steps = [0.06, 0.25, 0.45, 0.7, 1].map((t) => mix(bg, primary, t))
  return (
    <section
      class="panel state-map"
      aria-labelledby="map-heading"
      data-testid="state-map"
      aria-busy={res.state === "loading"}
    >
      <h2 id="map-heading">
        Violations by state
        <span class="heading-note"> · {agency === "all" ? "all agencies" : agencyName(agency)}</span>
      </h2>
      <Loaded res={res} retry={retry} what="Map" lines={5}>
        {(all) => {
          const counts = TILES.map(([code]) => countOf(all.get(code), agency))
          const max = Math.max(1, ...counts)
          const step = (n: number) =>
            n === 0 ? 0 : Math.min(4, 1 + Math.floor((Math.log(n) / Math.log(max + 1)) * 4))
          return (
            <>
              <ul class="tile-map">
                {TILES.map(([code, row, col], i) => {
                  const n = counts[i] ?? 0
                  const fill = steps[step(n)]!
                  return (
                    <li key={code} style={{ gridRow: row + 1, gridColumn: col + 1 }}>
                      <Link
                        href={entityPath("state", code)}
                        class="tile"
                        style={{ background: toHex(fill), color: toHex(readableOn(fill)) }}
                        data-state={code}
                        data-value={n}
                        aria-label={`${stateName(code) ?? code}: ${plural(n, "violation")}`}
                      >
                        <span class="tile-code">{code}</span>
                        <span class="tile-count">{n === 0 ? "–" : formatCount(n)}</span>
                      </Link>
                    </li>
                  )
                })}
              </ul>
              <p class="muted small">
                Darker tiles have more violations (log scale, up to {plural(max, "violation")}).
              </p>
            </>
          )
        }}
      </Loaded>
    </section>
  )
}
