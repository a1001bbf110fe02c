import type { HistoryPoint } from "@ventureos/api-contract"
import uPlot from "uplot"
import "uplot/dist/uPlot.min.css"
import { agencyName, moneyToNumber } from "../lib/format"

/*
 * The history chart (a lazily loaded chunk: uPlot is ~23 KB gzip). Two small multiples sharing the year
 * axis: violations per year and current penalties per year, one line per agency. Colours come from the
 * brand's chart tokens (3:1 against the background); each agency also gets its own dash pattern and
 * marker so the lines differ without colour.
 */

const DASHES: ReadonlyArray<ReadonlyArray<number>> = [[], [8, 4], [2, 3], [10, 3, 2, 3]]

const compactMoney = (v: number): string => {
  const a = Math.abs(v)
  if (a >= 1e9) return `$${(v / 1e9).toFixed(1).replace(/\.0$/, "")}B`
  if (a >= 1e6) return `$${(v / 1e6).toFixed(1).replace(/\.0$/, "")}M`
  if (a >= 1e3) return `$${(v / 1e3).toFixed(1).replace(/\.0$/, "")}K`
  return `$${Math.round(v)}`
}

const cssVar = (el: Element, name: string, fallback: string): string =>
  getComputedStyle(el).getPropertyValue(name).trim() || fallback

/** Draw the charts into `host`; returns a function that removes them. */
export const drawHistory = (
  host: HTMLElement,
  points: ReadonlyArray<HistoryPoint>,
  agencies: ReadonlyArray<string>
): (() => void) => {
  const dated = points.filter((p) => p.year !== null)
  host.replaceChildren()
  if (dated.length === 0) return () => {}
  const years = dated.map((p) => p.year!)
  const first = Math.min(...years)
  const last = Math.max(...years)
  // Pad a single year so the x scale has a width.
  const xs = Array.from({ length: last - first + 1 }, (_, i) => first + i)
  const at = new Map(dated.map((p) => [`${p.agency}:${p.year}`, p]))
  const colours = [1, 2, 3, 4].map((i) => cssVar(host, `--vo-chart-${i}`, "#1f4e79"))
  const text = cssVar(host, "--vo-text", "#1b1f24")
  const grid = cssVar(host, "--vo-border", "#cccccc")

  const legend = document.createElement("div")
  legend.className = "chart-legend"
  legend.setAttribute("aria-hidden", "true")
  agencies.forEach((a, i) => {
    const item = document.createElement("span")
    const swatch = document.createElement("span")
    swatch.className = "chart-swatch"
    swatch.style.borderTopColor = colours[i % colours.length]!
    swatch.style.borderTopStyle =
      i % DASHES.length === 0 ? "solid" : i % DASHES.length === 2 ? "dotted" : "dashed"
    item.append(swatch, document.createTextNode(agencyName(a)))
    legend.append(item)
  })
  host.append(legend)

  const make = (title: string, value: (p: HistoryPoint) => number, fmt: (v: number) => string) => {
    const el = document.createElement("div")
    el.className = "chart-panel"
    host.append(el)
    const data: uPlot.AlignedData = [
      xs,
      ...agencies.map((a) =>
        xs.map((y) => {
          const p = at.get(`${a}:${y}`)
          return p === undefined ? 0 : value(p)
        })
      )
    ]
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } }
    const opts: uPlot.Options = {
      title,
      width: Math.max(260, host.clientWidth),
      height: 200,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: false, range: (_u, min, max) => (min === max ? [min - 1, max + 1] : [min, max]) }
      },
      axes: [
        {
          ...axis,
          incrs: [1, 2, 5, 10, 20, 50],
          values: (_u, vals) => vals.map((v) => (Number.isInteger(v) ? String(v) : ""))
        },
        { ...axis, size: 64, values: (_u, vals) => vals.map(fmt) }
      ],
      series: [
        {},
        ...agencies.map((a, i) => ({
          label: agencyName(a),
          stroke: colours[i % colours.length]!,
          width: 2,
          dash: [...(DASHES[i % DASHES.length] ?? [])],
          points: { show: true, size: 7, fill: colours[i % colours.length]! }
        }))
      ]
    }
    return new uPlot(opts, data, el)
  }

  const charts = [
    make(
      "Violations per year",
      (p) => p.violation_count,
      (v) => (Number.isInteger(v) ? String(v) : "")
    ),
    make("Current penalties per year", (p) => moneyToNumber(p.penalty_current_total), compactMoney)
  ]
  const resize = new ResizeObserver(() => {
    const w = Math.max(260, host.clientWidth)
    for (const c of charts) if (c.width !== w) c.setSize({ width: w, height: 200 })
  })
  resize.observe(host)
  return () => {
    resize.disconnect()
    for (const c of charts) c.destroy()
    host.replaceChildren()
  }
}
