import type { HistoryPoint } from "@ventureos/api-contract"
import uPlot from "uplot"
import "uplot/dist/uPlot.min.css"
import { agencyName, moneyToNumber } from "../lib/format"

/*
 * The history chart (a lazily loaded chunk: uPlot is ~23 KB gzip). Two small multiples sharing the year
 * axis: violations per year and current penalties per year, as bars stacked by agency (the brand's
 * agencies bottom up, in its order). Colours come from the brand's chart tokens (3:1 against the
 * background), and every segment has a border in the background colour so adjacent agencies stay apart.
 * The exact numbers are in the table beside the chart.
 */

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
  const background = cssVar(host, "--vo-background", "#ffffff")

  const legend = document.createElement("div")
  legend.className = "chart-legend"
  legend.setAttribute("aria-hidden", "true")
  agencies.forEach((a, i) => {
    const item = document.createElement("span")
    const swatch = document.createElement("span")
    swatch.className = "chart-swatch"
    swatch.style.background = colours[i % colours.length]!
    item.append(swatch, document.createTextNode(agencyName(a)))
    legend.append(item)
  })
  host.append(legend)

  const make = (title: string, value: (p: HistoryPoint) => number, fmt: (v: number) => string) => {
    const el = document.createElement("div")
    el.className = "chart-panel"
    host.append(el)
    const own = agencies.map((a) =>
      xs.map((y) => {
        const p = at.get(`${a}:${y}`)
        return p === undefined ? 0 : value(p)
      })
    )
    // Stacked: series i is the running total of agencies 0..i; drawn top-down so each shows its part.
    // (a segment of zero is left out, so no sliver is drawn for it)
    const stacked = own.map((row, i) =>
      xs.map((_x, j) =>
        (row[j] ?? 0) === 0 ? null : own.slice(0, i + 1).reduce((t, r) => t + (r[j] ?? 0), 0)
      )
    )
    const order = agencies.map((_, i) => agencies.length - 1 - i)
    const data: uPlot.AlignedData = [xs, ...order.map((i) => stacked[i]!)]
    const bars = uPlot.paths.bars!({ size: [0.7, 48], align: 0 })
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } }
    const opts: uPlot.Options = {
      title,
      width: Math.max(260, host.clientWidth),
      height: 200,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: false, range: (_u, min, max) => [min - 0.6, max + 0.6] },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] }
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
        ...order.map((i) => ({
          label: agencyName(agencies[i]!),
          stroke: background,
          fill: colours[i % colours.length]!,
          width: 1,
          paths: bars,
          points: { show: false }
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
