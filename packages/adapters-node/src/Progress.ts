import { grouped } from "./Format"

/** Progress on stderr: a redrawn bar with rows/s on a TTY, a plain line every few seconds otherwise. */
export const makeProgress = (label: string, total?: number, unit = "rows") => {
  const start = Date.now()
  const tty = process.stderr.isTTY === true
  let last = 0
  const render = (rows: number, final: boolean) => {
    const now = Date.now()
    if (!final && now - last < (tty ? 200 : 5000)) return
    last = now
    const secs = Math.max((now - start) / 1000, 0.001)
    const rate = Math.round(rows / secs)
    let line = `${label}: ${grouped(rows)} ${unit}, ${grouped(rate)} ${unit}/s`
    if (total !== undefined && total > 0) {
      const pct = Math.min(rows / total, 1)
      const eta = rate > 0 ? Math.max(0, Math.round((total - rows) / rate)) : 0
      const width = 24
      const bar = "#".repeat(Math.round(pct * width)).padEnd(width, ".")
      line = `${label} [${bar}] ${(pct * 100).toFixed(0)}% ${grouped(rows)}/${grouped(total)} ${grouped(rate)} ${unit}/s ETA ${eta}s`
    }
    if (tty) process.stderr.write(`\r\x1b[2K${line}${final ? "\n" : ""}`)
    else process.stderr.write(`${line}\n`)
  }
  return { update: (rows: number) => render(rows, false), done: (rows: number) => render(rows, true) }
}
