/**
 * Soak test of the lake around its failure modes (issue 15): run it by hand, it takes minutes, not part of
 * `pnpm test` (the CI-bounded versions are the fault tests).
 *
 *   pnpm exec tsx scripts/soak.ts [--kills 8] [--rows 20000] [--seed 7] [--keep]
 *
 * 1. SIGKILL loop: daily ingests of generated OSHA files (alternating an original and a corrected version,
 *    one date each) are killed with SIGKILL at a random moment, then resumed; a reference home runs the same
 *    sequence without kills. Afterwards: silver (ids and content hashes), gold (totals per entity), serving
 *    (nothing pending; the stats the API shows) equal the reference; every bronze file matches its
 *    manifest's sha256; no staging folder is left in the temp directory.
 * 2. Parallel ingests: 4 processes ingest 4 different files and 2 ingest the same file, into one home.
 * 3. Ingest while serving: `ventureos serve` answers every request (no 5xx) while a daily ingest runs.
 * 4. Summary storm: 150 concurrent summary requests for one violation start exactly one generation.
 *
 * Exit 0 when every check holds; each failed check is printed. Prints the machine load with the timings.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync } from "node:fs"
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { loadavg, tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { generateOsha } from "../packages/testkit/src/OshaGenerator"

const ROOT = resolve(import.meta.dirname, "..")
const BIN = join(ROOT, "packages", "adapters-node", "src", "bin.ts")
const flag = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : Number(process.argv[i + 1])
}
const KILLS = flag("kills", 8)
const ROWS = flag("rows", 20_000)
const SEED = flag("seed", 7)
const KEEP = process.argv.includes("--keep")

const failures: Array<string> = []
const check = (ok: boolean, what: string) => {
  process.stderr.write(`${ok ? "  ok  " : "  FAIL"} ${what}\n`)
  if (!ok) failures.push(what)
}
const timings: Array<[string, number]> = []
const timed = async <A>(label: string, f: () => Promise<A>): Promise<A> => {
  const t = Date.now()
  try {
    return await f()
  } finally {
    timings.push([label, (Date.now() - t) / 1000])
  }
}

interface Ran {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}
const start = (args: ReadonlyArray<string>, home: string, tmp: string): ChildProcess =>
  spawn(process.execPath, ["--import", "tsx", BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, VENTUREOS_HOME: home, TMPDIR: tmp, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"]
  })
const finish = (child: ChildProcess): Promise<Ran> =>
  new Promise((ok) => {
    let stdout = ""
    let stderr = ""
    child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()))
    child.on("close", (code, signal) => ok({ code, signal, stdout, stderr }))
  })
const cli = (args: ReadonlyArray<string>, home: string, tmp: string) => finish(start(args, home, tmp))
const sql = async (q: string, home: string, tmp: string): Promise<string> => {
  const r = await cli(["sql", q], home, tmp)
  if (r.code !== 0) throw new Error(`sql failed: ${r.stderr}`)
  return r.stdout
}
const sha256 = async (path: string) =>
  createHash("sha256")
    .update(await readFile(path))
    .digest("hex")
const walk = async (dir: string): Promise<Array<string>> => {
  if (!existsSync(dir)) return []
  const out: Array<string> = []
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...(await walk(p)))
    else out.push(p)
  }
  return out
}

const root = await mkdtemp(join(tmpdir(), "ventureos-soak-"))
const tmp = join(root, "tmp")
await mkdir(tmp, { recursive: true })
process.stderr.write(`soak in ${root}: ${KILLS} kills, ${ROWS} rows, seed ${SEED}\n`)

// Two versions of one day's export: the original and a correction (every 25th penalty changed).
const genDir = join(root, "gen")
const gen = await generateOsha({ violations: ROWS, seed: SEED, outDir: genDir })
const original = [join(genDir, gen.files.violations), join(genDir, gen.files.inspections)]
const corrected = join(root, "corrected")
await mkdir(corrected, { recursive: true })
{
  const lines = (await readFile(original[0]!, "utf8")).split("\n")
  const header = (lines[0] ?? "").split(",")
  const col = header.indexOf("current_penalty")
  const out = lines.map((l, i) => {
    if (i === 0 || i % 25 !== 0 || l === "") return l
    const cells = l.split(",")
    if (cells.length === header.length && /^\d+$/.test(cells[col] ?? ""))
      cells[col] = String(Number(cells[col]) + 100)
    return cells.join(",")
  })
  await writeFile(join(corrected, "osha_violation.csv"), out.join("\n"))
  await writeFile(join(corrected, "osha_inspection.csv"), await readFile(original[1]!))
}
const version = (i: number) =>
  i % 2 === 0 ? original : [join(corrected, "osha_violation.csv"), join(corrected, "osha_inspection.csv")]
const dateOf = (i: number) => `2026-03-${String((i % 28) + 1).padStart(2, "0")}`
const ingestArgs = (i: number) => ["ingest", ...version(i), "--mode", "daily", "--date", dateOf(i)]

// 1. SIGKILL loop against a reference that never fails
const ref = join(root, "reference")
const soak = join(root, "soak")
let typical = 0
await timed("reference run (no kills)", async () => {
  for (let i = 0; i < KILLS; i++) {
    const t = Date.now()
    const r = await cli(ingestArgs(i), ref, tmp)
    typical = Math.max(typical, Date.now() - t)
    if (r.code !== 0) throw new Error(`reference ingest ${i} failed: ${r.stderr}`)
  }
})
let killed = 0
await timed("SIGKILL loop (kill + resume)", async () => {
  for (let i = 0; i < KILLS; i++) {
    const child = start(ingestArgs(i), soak, tmp)
    const done = finish(child)
    const at = 300 + Math.floor(Math.random() * typical)
    const timer = setTimeout(() => child.kill("SIGKILL"), at)
    const first = await done
    clearTimeout(timer)
    if (first.signal === "SIGKILL") killed++
    process.stderr.write(
      `  ingest ${i} (${i % 2 === 0 ? "original" : "corrected"}, ${dateOf(i)}): ${first.signal === "SIGKILL" ? `killed at ${at} ms` : `finished (exit ${first.code}) before the kill at ${at} ms`}\n`
    )
    const resumed = await cli(ingestArgs(i), soak, tmp)
    check(resumed.code === 0, `ingest ${i} resumed after the kill (exit ${resumed.code})`)
  }
})
process.stderr.write(`${killed} of ${KILLS} ingests were killed mid-run\n`)
const silverQ = "SELECT violation_id, content_hash FROM silver.osha ORDER BY 1"
const goldQ =
  "SELECT entity_key, sum(violation_count) AS n, sum(penalty_current) AS p, sum(open_count) AS o FROM gold.company_stats GROUP BY 1 HAVING sum(violation_count) <> 0 ORDER BY 1"
const [silverSoak, silverRef] = [await sql(silverQ, soak, tmp), await sql(silverQ, ref, tmp)]
check(
  silverSoak === silverRef,
  `silver ids and hashes equal the reference (${silverRef.split("\n").length - 1} rows)`
)
const dup = JSON.parse(
  (await sql("SELECT count(*) - count(DISTINCT violation_id) AS d FROM silver.osha", soak, tmp)).trim()
) as { d: number }
check(dup.d === 0, "no duplicate violation ids in silver")
check(
  (await sql(goldQ, soak, tmp)) === (await sql(goldQ, ref, tmp)),
  "gold totals per company equal the reference"
)
const pending = (await walk(join(soak, "lake", "outbox"))).filter((f) => f.endsWith(".json"))
check(pending.length === 0, `no serving work pending (${pending.length} outbox records)`)
const states = (
  await sql("SELECT DISTINCT state FROM silver.osha WHERE state IS NOT NULL ORDER BY 1 LIMIT 5", soak, tmp)
)
  .trim()
  .split("\n")
  .map((l) => (JSON.parse(l) as { state: string }).state)
for (const st of states) {
  const view = async (home: string) => {
    const r = await cli(["serving", "entity", `STATE#${st.toLowerCase()}`], home, tmp)
    const e = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}") as {
      stats?: Array<{ agency: string; violation_count: number; penalty_current_total: string }>
    }
    return JSON.stringify((e.stats ?? []).map((s) => [s.agency, s.violation_count, s.penalty_current_total]))
  }
  check(
    (await view(soak)) === (await view(ref)),
    `serving stats of STATE#${st.toLowerCase()} equal the reference`
  )
}
let bronzeOk = 0
for (const m of (await walk(join(soak, "lake", "manifests"))).filter((f) => f.endsWith(".manifest.json"))) {
  const manifest = JSON.parse(await readFile(m, "utf8")) as { keys: Array<{ key: string; sha256: string }> }
  for (const k of manifest.keys) {
    const same = (await sha256(join(soak, "lake", ...k.key.split("/")))) === k.sha256
    check(same, `bronze ${k.key} matches its manifest`)
    if (same) bronzeOk++
  }
}
check(bronzeOk > 0, `${bronzeOk} bronze objects checked against their manifests`)
const leftovers = (await readdir(tmp)).filter((n) => n.startsWith("ventureos-ingest-"))
check(leftovers.length === 0, `no staging folder left (${leftovers.join(", ")})`)

// 2. Parallel ingests: different files and the same file, one home
await timed("parallel ingests (6 processes)", async () => {
  const lines = (
    await readFile(
      join(ROOT, "packages", "adapters-node", "samples", "faa_closed_enforcement_cases.sample.csv"),
      "utf8"
    )
  )
    .trimEnd()
    .split("\n")
  const parts: Array<string> = []
  for (let i = 0; i < 4; i++) {
    const f = join(root, "faa", `part${i}`, "faa.csv")
    await mkdir(join(root, "faa", `part${i}`), { recursive: true })
    await writeFile(f, `${[lines[0], ...lines.slice(1).filter((_, j) => j % 4 === i)].join("\n")}\n`)
    parts.push(f)
  }
  const home = join(root, "parallel")
  const runs = await Promise.all([
    ...parts.map((f) => cli(["ingest", f, "--date", "2026-04-01"], home, tmp)),
    cli(["ingest", parts[0]!, "--date", "2026-04-02"], home, tmp),
    cli(["ingest", parts[0]!, "--date", "2026-04-02"], home, tmp)
  ])
  for (const [i, r] of runs.entries()) check(r.code === 0, `parallel ingest ${i} succeeded (exit ${r.code})`)
  const n = JSON.parse((await sql("SELECT count(*) AS n FROM silver.faa", home, tmp)).trim()) as { n: number }
  check(n.n === lines.length - 1, `silver holds each FAA case once (${n.n} of ${lines.length - 1})`)
})

// 3 and 4. Ingest while serving; a summary storm
await timed("ingest while serving + summary storm", async () => {
  const server = start(["serve", "--port", "0"], soak, tmp)
  const exited = finish(server)
  const url = await new Promise<string>((ok, ko) => {
    let out = ""
    server.stdout?.on("data", (d: Buffer) => {
      out += d.toString()
      const line = out.split("\n").find((l) => l.startsWith("{"))
      if (line !== undefined) ok((JSON.parse(line) as { url: string }).url)
    })
    void exited.then((r) => ko(new Error(`serve exited: ${r.stderr}`)))
  })
  try {
    const statuses = new Map<number, number>()
    let serving = true
    const poll = (async () => {
      while (serving) {
        for (const path of [
          "/api/recent?agency=osha",
          `/api/state/${states[0]?.toLowerCase() ?? "ca"}`,
          "/api/top?scope=national"
        ]) {
          const s = await fetch(`${url}${path}`).then(
            (r) => r.status,
            () => 0
          )
          statuses.set(s, (statuses.get(s) ?? 0) + 1)
        }
      }
    })()
    const during = await cli(["ingest", ...version(1), "--mode", "daily", "--date", "2026-03-29"], soak, tmp)
    serving = false
    await poll
    check(during.code === 0, `a daily ingest while the server runs succeeded (exit ${during.code})`)
    const bad = [...statuses].filter(([s]) => s === 0 || s >= 500)
    check(
      bad.length === 0,
      `every request answered without a 5xx while ingesting (${JSON.stringify([...statuses])})`
    )

    const recent = (await fetch(`${url}/api/recent?agency=osha&limit=1`).then((r) => r.json())) as {
      items?: Array<{ violation_id: string }>
    }
    const id = recent.items?.[0]?.violation_id
    check(id !== undefined, "a recent violation to summarize")
    if (id !== undefined) {
      const answers = await Promise.all(
        Array.from({ length: 150 }, () =>
          fetch(`${url}/api/violations/${encodeURIComponent(id)}/summary`, { method: "POST" }).then(
            async (r) => ({
              status: r.status,
              state: r.status === 202 ? ((await r.json()) as { state: string }).state : String(r.status)
            })
          )
        )
      )
      const queued = answers.filter((a) => a.state === "queued").length
      const by = new Map<string, number>()
      for (const a of answers) by.set(a.state, (by.get(a.state) ?? 0) + 1)
      check(
        queued <= 1,
        `150 concurrent summary requests started at most one generation (${JSON.stringify([...by])})`
      )
      check(!answers.some((a) => a.status >= 500), "no summary request answered 5xx")
    }
  } finally {
    server.kill("SIGTERM")
    await exited
  }
})

const [l1, l5] = loadavg()
process.stderr.write(`\ntimings (load average ${l1?.toFixed(2)} / ${l5?.toFixed(2)}):\n`)
for (const [label, s] of timings) process.stderr.write(`  ${label}: ${s.toFixed(1)} s\n`)
if (!KEEP) await rm(root, { recursive: true, force: true })
else process.stderr.write(`kept ${root}\n`)
process.stderr.write(
  failures.length === 0 ? "soak: all checks passed\n" : `soak: ${failures.length} check(s) failed\n`
)
process.exit(failures.length === 0 ? 0 : 1)
