/// <reference types="node" />
/**
 * First-load JavaScript of the built app: every script and modulepreload that dist/index.html loads,
 * minified as built and gzip-compressed (level 9), plus the lazily loaded chunks for comparison.
 * Run after `vite build`: `pnpm --filter @ventureos/web size` (exits 1 over the budget).
 */
import { readdirSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { gzipSync } from "node:zlib"

const BUDGET_KB = 120
const dist = resolve(import.meta.dirname, "..", "dist")
const html = readFileSync(join(dist, "index.html"), "utf8")
const refs = [
  ...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g),
  ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)
].map((m) => m[1]!.replace(/^\//, ""))
const gz = (file: string) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`

const first = refs.map((f) => ({ file: f, gzip: gz(f) }))
const total = first.reduce((a, f) => a + f.gzip, 0)
const lazy = readdirSync(join(dist, "assets"))
  .filter((f) => f.endsWith(".js") && !refs.includes(`assets/${f}`))
  .map((f) => ({ file: `assets/${f}`, gzip: gz(`assets/${f}`) }))

for (const f of first) console.log(`first load  ${f.file.padEnd(36)} ${kb(f.gzip)} gzip`)
for (const f of lazy) console.log(`lazy        ${f.file.padEnd(36)} ${kb(f.gzip)} gzip`)
console.log(`first-load JavaScript: ${kb(total)} gzip (budget ${BUDGET_KB} KB)`)
if (total > BUDGET_KB * 1024) process.exitCode = 1
