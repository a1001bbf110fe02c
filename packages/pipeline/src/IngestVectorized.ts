import { randomUUID } from "node:crypto"
import { appendFile, rm, writeFile } from "node:fs/promises"
import { join } from "node:path"
import {
  citySlug,
  companySlug,
  type UsState,
  type Violation,
  ViolationTypes,
  violationColumnList
} from "@ventureos/core"
import { duckdbType, icebergTypeOf } from "@ventureos/iceberg"
import {
  type CsvRow,
  type NormalizeRun,
  type NormalizerPlugin,
  type Outcome,
  type Rejection,
  type RowRange,
  type SourceFile,
  type StagedCsv,
  type StagedFile,
  sqlStr,
  stageCsv,
  type VectorizedInput,
  type VectorizedNormalizer
} from "@ventureos/normalizers"
import { Effect } from "effect"
import { mergedActionsSql } from "./ActionsSql"
import { CURRENT_UNKNOWN_SQL, type EntityKind } from "./Gold"
import type { CommitSource, Landed, WarehouseBulk } from "./Warehouse"
import { retryTransient, WarehouseError } from "./Warehouse"

/**
 * Bulk ingest of one batch in SQL: the batch's files are staged once (`stageCsv`), normalized by the plugin's
 * vectorized form (rows it cannot decide by the plugin's JavaScript `normalize`), de-duplicated, classified
 * against silver, written to silver as one upsert snapshot and aggregated into gold deltas, all inside the
 * warehouse's engine: no JavaScript work per row, and memory bounded by the engine's limit (it spills).
 * Results, counts and rejections are the same as the row-at-a-time path in `Ingest.ts` (tested).
 */

export interface VectorizedArgs {
  readonly run: NormalizeRun
  readonly plugin: NormalizerPlugin
  readonly vectorized: VectorizedNormalizer
  readonly bulk: WarehouseBulk
  readonly agency: string
  readonly source: CommitSource
  /** Silver head the batch applies to. */
  readonly head: string | null
  /** Set when an earlier attempt committed silver and stopped before gold: deltas come from history. */
  readonly landed: Landed | undefined
  /** Keep the changed records (and the versions they replace) for the live feed. */
  readonly feed: boolean
  /** Scratch directory for staged files (removed by the caller). */
  readonly dir: string
  readonly onProgress?: (rowsDone: number) => void
  /** Values / rows per slice of the JavaScript work (slugs: 50k, fallback rows: 20k by default). */
  readonly sliceRows?: number
  /** Rows per slice of the engine's large joins and aggregations (lookups joined: 500k, gold deltas: 1M). */
  readonly sqlSliceRows?: number
  /** Only these data rows of a file (a backfill's split; see `Backfill.ts`); default every row. */
  readonly rowRange?: (file: SourceFile) => RowRange | undefined
}

/** What either ingest path (vectorized here, row-at-a-time in `Ingest.ts`) produces for a batch. */
export interface BatchCore {
  readonly inserted: number
  readonly updated: number
  readonly unchanged: number
  readonly silverSnapshot: string | null
  readonly goldDeltas: number
  readonly changed: ReadonlyArray<Violation>
  readonly previous: ReadonlyArray<Violation>
  readonly touched: Record<EntityKind, ReadonlyArray<string>>
  readonly rejectLines: string
  /** Records rows decided in SQL vs by the plugin's JavaScript normalizer (vectorized path only). */
  readonly decided?: { readonly sql: number; readonly js: number }
}

const SILVER = violationColumnList.map((c) => c.name as string)
const SILVER_COLS = SILVER.join(", ")
/** Silver columns without the (large) details: enough to classify and to build gold deltas. */
const SILVER_COLS_NARROW = SILVER.map((c) =>
  c === "violation_details" ? "NULL::VARCHAR AS violation_details" : c
).join(", ")
/** Gold delta columns a delta row must have a non-zero value in to be written. */
const GOLD_MEASURES = [
  "violation_count",
  "open_count",
  "closed_count",
  "penalty_initial",
  "penalty_current",
  "penalty_current_unknown_count",
  ...ViolationTypes.map((t) => `count_${t}`)
]

const silverTypes = (): string =>
  violationColumnList.map((c) => `${sqlStr(c.name)}: ${sqlStr(duckdbType(icebergTypeOf(c.type)))}`).join(", ")

const fail = (op: string, e: unknown) =>
  new WarehouseError({
    op,
    table: "bulk",
    reason: "Unknown",
    detail: e instanceof Error ? e.message : String(e)
  })

export const ingestVectorized = (a: VectorizedArgs): Effect.Effect<BatchCore, WarehouseError> =>
  Effect.gen(function* () {
    const { bulk, run } = a
    const timings = process.env.VENTUREOS_TIMINGS === "1"
    const timed = <A, E>(label: string, e: Effect.Effect<A, E>): Effect.Effect<A, E> =>
      timings
        ? Effect.gen(function* () {
            const t0 = performance.now()
            const cpu0 = process.cpuUsage()
            const out = yield* e
            const cpu = process.cpuUsage(cpu0)
            const m = process.memoryUsage()
            // CPU of the whole process (DuckDB's threads included) as in `Timings.timed`: on a shared machine
            // it compares where wall time does not
            process.stderr.write(
              `[vectorized] ${(performance.now() - t0).toFixed(0)} ms rss ${Math.round(m.rss / 1e6)} heap ${Math.round(m.heapUsed / 1e6)}: ${label} (cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms)\n`
            )
            return out
          })
        : e
    const sql = (text: string) => timed(text.replace(/\s+/g, " ").slice(0, 90), bulk.sql(text))
    const tag = `__v${randomUUID().replaceAll("-", "").slice(0, 12)}`
    const t = (name: string) => `${tag}_${name}`
    const created: Array<readonly ["TABLE" | "VIEW", string]> = []
    const table = (name: string, body: string) =>
      Effect.tap(sql(`CREATE TABLE ${t(name)} AS ${body}`), () =>
        Effect.sync(() => created.push(["TABLE", t(name)]))
      )
    const view = (name: string, body: string) =>
      Effect.tap(sql(`CREATE VIEW ${t(name)} AS ${body}`), () =>
        Effect.sync(() => created.push(["VIEW", t(name)]))
      )
    /**
     * Materialize a large intermediate as a compressed Parquet file behind a view: DuckDB keeps in-memory
     * tables uncompressed and could not evict them fast enough for multi-million-row batches.
     */
    let parquetFiles = 0
    /** The Parquet file behind each such view, to free the scratch disk once the view is dropped. */
    const parquetOf = new Map<string, string>()
    const parquetView = (name: string, body: string, raw = false) =>
      Effect.gen(function* () {
        const path = join(a.dir, `part-${parquetFiles++}.parquet`)
        parquetOf.set(raw ? name : t(name), path)
        yield* sql(
          `COPY (${body}) TO ${sqlStr(path)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE_BYTES '32MB')`
        )
        const viewName = raw ? name : t(name)
        yield* sql(`CREATE VIEW ${viewName} AS SELECT * FROM read_parquet(${sqlStr(path)})`)
        created.push(["VIEW", viewName])
      })
    const promise = <A>(op: string, f: () => Promise<A>) =>
      Effect.tryPromise({ try: f, catch: (e) => fail(op, e) })
    /** A view `name` over the slices `name_0` … `name_<n-1>` a big batch was computed in. */
    const sliceUnion = (name: string, n: number) =>
      view(
        name,
        Array.from({ length: n }, (_v, j) => `SELECT * FROM ${t(`${name}_${j}`)}`).join(" UNION ALL ")
      )

    const group = run.groups.find((g) => g.plugin === a.plugin)
    if (group === undefined) return yield* fail("plan", `no files for plugin ${a.plugin.id}`)
    const files = group.files
    const summaryOf = (f: SourceFile) => run.summary.files.find((s) => s.file === f.name)!
    const rejections: Array<Rejection & { readonly fileIndex: number }> = []

    const body = Effect.gen(function* () {
      // 1. Stage every file (one pass each) and load it into the engine. The next file's JavaScript pass runs
      //    while the engine loads the previous one (one core each), so at most two staged copies are on the
      //    scratch disk at once, not the sum of all input files.
      const staged: Array<StagedCsv> = []
      const input: { files: Array<StagedFile>; ingestedAt: string; scratch: (n: string) => string } = {
        files: [],
        ingestedAt: run.ingestedAt,
        scratch: (n) => t(`s_${n.replace(/[^A-Za-z0-9_]/g, "_")}`)
      }
      const stageFile = (i: number) => {
        const f = files[i]!
        const pass = stageCsv(f.path, join(a.dir, `staged-${i}.csv`), f.header.length, a.rowRange?.(f))
        // awaited below; until then (or if loading an earlier file fails first) its failure is not unhandled
        pass.catch(() => undefined)
        return pass
      }
      let ahead: Promise<StagedCsv> | undefined
      for (const [i, f] of files.entries()) {
        const pass = ahead ?? stageFile(i)
        // timed: the part of the pass not already done while the previous file was loading
        const st = yield* timed(
          `stage ${f.name}`,
          promise("stage", () => pass)
        )
        ahead = i + 1 < files.length ? stageFile(i + 1) : undefined
        staged.push(st)
        const fs = summaryOf(f)
        fs.rows = st.rows
        for (const r of st.shapeRejects) {
          rejections.push({
            fileIndex: i,
            file: f.name,
            line: r.line,
            row: r.row,
            field: "(row)",
            value: r.value,
            reason: `row has ${r.fields} fields, the header has ${f.header.length}`
          })
          fs.rejected++
          if (fs.role === "lookup") run.summary.lookupRejected++
          else run.summary.rejected++
        }
        const cols = [
          "'__row': 'BIGINT'",
          "'__line': 'BIGINT'",
          "'__plain': 'INTEGER'",
          ...f.header.map((_h, k) => `'c${k}': 'VARCHAR'`)
        ].join(", ")
        const read =
          st.staged === 0
            ? `SELECT NULL::BIGINT AS __row, NULL::BIGINT AS __line, NULL::INTEGER AS __plain, ${f.header.map((_h, k) => `NULL::VARCHAR AS c${k}`).join(", ")} WHERE false`
            : `SELECT * FROM read_csv(${sqlStr(st.path)}, header = false, auto_detect = false, delim = ',', quote = '"', escape = '"', strict_mode = true, max_line_size = 8388608, buffer_size = 33554432, columns = {${cols}})`
        yield* parquetView(`f${i}`, read)
        // the staged text is in the Parquet copy now: free the scratch disk (Lambda's /tmp is small)
        yield* promise("stage", () => rm(st.path, { force: true }))
        input.files.push({ file: f, index: i, relation: t(`f${i}`) })
      }
      a.onProgress?.(run.summary.files.reduce((n, s) => n + (s.role === "records" ? s.rows : 0), 0))

      const vin: VectorizedInput = input
      for (const p of a.vectorized.prepare?.(vin) ?? []) yield* parquetView(p.table, p.sql, true)

      // 2. Slugs, computed once per distinct name / place with the core functions, in slices of ~50k values
      //    so a catalog's millions of names never sit in memory at once. A slice crosses between the engine and
      //    JavaScript as one JSON array per column (one text value each way, parsed and written natively)
      //    instead of a row object per value and an NDJSON line per value: on a 1M OSHA ingest (145k names)
      //    those conversions cost more CPU than the slugs themselves.
      const slugTable = (
        name: string,
        valuesSql: string,
        columns: ReadonlyArray<string>,
        slug: (row: Record<string, unknown>) => string | undefined,
        /** Further columns computed in JavaScript before the slug (e.g. the company a published name keys on). */
        extra: Readonly<Record<string, (row: Record<string, unknown>) => string>> = {}
      ) =>
        Effect.gen(function* () {
          yield* table(`${name}_values`, valuesSql)
          const [count] = yield* sql(`SELECT count(*)::BIGINT AS n FROM ${t(`${name}_values`)}`)
          const total = Number(count?.n ?? 0)
          const parts = Math.max(1, Math.ceil(total / (a.sliceRows ?? 50_000)))
          const path = join(a.dir, `${name}.ndjson`)
          const all = [...columns, ...Object.keys(extra), "slug"]
          yield* promise("stage", () => writeFile(path, ""))
          let longest = 0
          for (let k = 0; k < parts; k++) {
            // one row: a JSON array of [column values] per distinct value of the slice
            const [got] = yield* sql(
              `SELECT to_json(list([${columns.map((c) => `${c}::VARCHAR`).join(", ")}]))::VARCHAR AS j FROM ${t(`${name}_values`)} WHERE hash(${columns.join(", ")}) % ${parts} = ${k}`
            )
            const line = yield* timed(
              `slugs ${name} ${k + 1}/${parts} (JavaScript)`,
              Effect.sync(() => {
                const values =
                  got?.j == null ? [] : (JSON.parse(String(got.j)) as Array<Array<string | null>>)
                if (values.length === 0) return undefined
                const out: Record<string, Array<string | null>> = {}
                for (const c of all) out[c] = []
                const more = Object.entries(extra)
                for (const v of values) {
                  const row: Record<string, unknown> = {}
                  for (let i = 0; i < columns.length; i++) {
                    row[columns[i]!] = v[i]
                    out[columns[i]!]!.push(v[i] ?? null)
                  }
                  for (const [c, f] of more) out[c]!.push((row[c] = f(row)))
                  out.slug!.push(slug(row) ?? null)
                }
                return JSON.stringify(out)
              })
            )
            if (line === undefined) continue
            longest = Math.max(longest, line.length)
            yield* promise("stage", () => appendFile(path, `${line}\n`))
          }
          // each line holds one slice as parallel arrays; unnest in one SELECT zips them back into rows
          yield* table(
            name,
            longest === 0
              ? `SELECT ${all.map((c) => `NULL::VARCHAR AS ${c}`).join(", ")} WHERE false`
              : `SELECT ${all.map((c) => `unnest(${c}) AS ${c}`).join(", ")} FROM read_json(${sqlStr(path)}, format = 'newline_delimited', maximum_object_size = ${longest * 4 + 1024}, columns = {${all
                  .map((c) => `${sqlStr(c)}: 'VARCHAR[]'`)
                  .join(", ")}})`
          )
        })
      const companyOf = a.vectorized.companyOf ?? ((name: string) => name)
      yield* slugTable(
        "company_slugs",
        a.vectorized.companyNames(vin),
        ["name"],
        (r) => companySlug(String(r.company)),
        { company: (r) => companyOf(String(r.name)) }
      )
      yield* slugTable("city_slugs", a.vectorized.cityPlaces(vin), ["city", "state"], (r) =>
        citySlug(String(r.city), String(r.state) as UsState)
      )

      // 3. Records in SQL; the rows SQL cannot decide go to the plugin's JavaScript normalizer.
      // The records are written once, as a compressed Parquet file: a DuckDB in-memory table of millions of
      // ~2 KB rows spills uncompressed and was the slowest and largest part of a big batch. Flagged rows and
      // duplicates are then filtered out by views over it (both are few).
      // Joined a slice at a time when the lookups are large (a hash table of millions of wide inspection rows
      // does not fit the engine's memory), each slice to its own Parquet file. (Bounding a slice by its records
      // too, 5 slices of ~1M violations for a 5M-row file instead of 4 of ~1.25M, did not lower the step's peak
      // RSS reliably: 1.05-1.17 GB in one run, 1.11-1.47 GB in the next at the same load; +6 CPU s.)
      const lookupRows = staged.reduce(
        (n, st, i) => n + (files[i]!.dataset.role === "lookup" ? st.staged : 0),
        0
      )
      const slices = Math.max(1, Math.ceil(lookupRows / (a.sqlSliceRows ?? 500_000)))
      const recFiles: Array<string> = []
      for (let k = 0; k < slices; k++) {
        const path = join(a.dir, `records-${k}.parquet`)
        yield* sql(
          `COPY (SELECT *, __file * 4294967296 + __row AS __ord FROM (${a.vectorized.records(
            vin,
            { company: t("company_slugs"), city: t("city_slugs") },
            { count: slices, index: k }
          )})) TO ${sqlStr(path)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE_BYTES '32MB')`
        )
        recFiles.push(path)
      }
      yield* view("rec", `SELECT * FROM read_parquet([${recFiles.map(sqlStr).join(", ")}])`)
      yield* table("flagged", `SELECT __file, __row FROM ${t("rec")} WHERE __js`)
      const [split] = yield* sql(
        `SELECT count(*) FILTER (WHERE NOT __js)::BIGINT AS s, count(*) FILTER (WHERE __js)::BIGINT AS j FROM ${t("rec")}`
      )
      const decided = { sql: Number(split?.s ?? 0), js: Number(split?.j ?? 0) }
      // In slices of ~20k flagged rows (with the lookup rows they need), so memory stays bounded however
      // much of a file needs JavaScript.
      const indexOfName = new Map(files.map((f, i) => [f.name, i]))
      const jsPath = join(a.dir, "js-records.ndjson")
      yield* promise("stage", () => writeFile(jsPath, ""))
      let jsAccepted = 0
      const parts = Math.max(1, Math.ceil(decided.js / (a.sliceRows ?? 20_000)))
      for (let k = 0; decided.js > 0 && k < parts; k++) {
        yield* table(
          `flagged_${k}`,
          `SELECT * FROM ${t("flagged")} WHERE hash(__file, __row) % ${parts} = ${k}`
        )
        yield* table(`fallback_${k}`, a.vectorized.fallbackRows(vin, t(`flagged_${k}`)))
        const lineOf = new Map<string, number>()
        const jsFiles: Array<SourceFile> = []
        for (const [i, f] of files.entries()) {
          const width = f.header.length
          const got = yield* sql(
            `SELECT __row, __line, ${Array.from({ length: width }, (_v, c) => `coalesce(c${c}, '') AS c${c}`).join(", ")}
             FROM ${t(`f${i}`)} WHERE __row IN (SELECT __row FROM ${t(`fallback_${k}`)} WHERE __file = ${i}) ORDER BY __row`
          )
          const rows: Array<CsvRow> = got.map((r) => ({
            row: Number(r.__row),
            line: Number(r.__line),
            cells: Array.from({ length: width }, (_v, c) => String(r[`c${c}`]))
          }))
          for (const r of rows) lineOf.set(`${i}:${r.row}`, r.line)
          jsFiles.push({
            ...f,
            rows: async function* () {
              if (rows.length > 0) yield rows
            }
          })
        }
        const outcomes = yield* timed(
          "javascript fallback",
          promise("normalize", async () => {
            const out: Array<Outcome> = []
            for await (const b of a.plugin.normalize(jsFiles, { ingestedAt: run.ingestedAt })) out.push(...b)
            return out
          })
        )
        const lines: Array<string> = []
        for (const o of outcomes) {
          if (o._tag === "accepted") {
            const i = indexOfName.get(o.record.source_file)!
            const row: Record<string, unknown> = {}
            for (const c of SILVER) {
              const v = (o.record as unknown as Record<string, unknown>)[c]
              row[c] = v !== null && typeof v === "object" ? JSON.stringify(v) : v
            }
            row.__file = i
            row.__row = o.record.source_row
            row.__line = lineOf.get(`${i}:${o.record.source_row}`) ?? o.record.source_row + 1
            lines.push(JSON.stringify(row))
          } else if (o._tag === "rejected") {
            const i = indexOfName.get(o.rejection.file)!
            rejections.push({ ...o.rejection, fileIndex: i })
            const fs = summaryOf(files[i]!)
            fs.rejected++
            if (fs.role === "lookup") run.summary.lookupRejected++
            else run.summary.rejected++
          } else {
            const fs = summaryOf(files[indexOfName.get(o.file)!]!)
            fs.skipped++
            fs.skipReasons[o.reason] = (fs.skipReasons[o.reason] ?? 0) + 1
            run.summary.skipped++
          }
        }
        jsAccepted += lines.length
        if (lines.length > 0) yield* promise("stage", () => appendFile(jsPath, `${lines.join("\n")}\n`))
        yield* sql(`DROP TABLE ${t(`fallback_${k}`)}`)
        yield* sql(`DROP TABLE ${t(`flagged_${k}`)}`)
      }
      const jsColumns = `{${silverTypes()}, '__file': 'BIGINT', '__row': 'BIGINT', '__line': 'BIGINT'}`
      yield* table(
        "jsrec",
        jsAccepted === 0
          ? `SELECT ${SILVER_COLS}, __file, __row, __line FROM ${t("rec")} WHERE false`
          : `SELECT * FROM read_json(${sqlStr(jsPath)}, format = 'newline_delimited', columns = ${jsColumns})`
      )

      // the staged inputs are no longer needed: free the engine's memory for the writes, and the scratch
      // disk of their Parquet copies (the silver write may spill)
      const done = [...files.keys()].map((i) => t(`f${i}`))
      for (const v of done) yield* sql(`DROP VIEW ${v}`)
      for (const p of a.vectorized.prepare?.(vin) ?? []) {
        yield* sql(`DROP VIEW IF EXISTS ${p.table}`)
        done.push(p.table)
      }
      for (const v of done) {
        const path = parquetOf.get(v)
        if (path !== undefined) yield* promise("stage", () => rm(path, { force: true }))
      }

      // 4. Every accepted record once: the first of a violation id wins, as in `planNormalize`.
      yield* view(
        "all",
        `SELECT * EXCLUDE (__js) FROM ${t("rec")} WHERE NOT __js
         UNION ALL BY NAME SELECT *, __file * 4294967296 + __row AS __ord FROM ${t("jsrec")}`
      )
      yield* table(
        "dup",
        `SELECT * FROM (
           SELECT __file, __row, __line, source_file, content_hash, violation_id,
             row_number() OVER w AS __n, first_value(content_hash) OVER w AS __h0,
             first_value(source_file) OVER w AS __f0, first_value(__row) OVER w AS __r0
           FROM ${t("all")} WINDOW w AS (PARTITION BY violation_id ORDER BY __file, __row)
         ) WHERE __n > 1`
      )
      for (const d of yield* sql(`SELECT * FROM ${t("dup")}`)) {
        const i = Number(d.__file)
        const fs = summaryOf(files[i]!)
        if (d.content_hash === d.__h0) {
          const reason = "exact duplicate row"
          fs.skipped++
          fs.skipReasons[reason] = (fs.skipReasons[reason] ?? 0) + 1
          run.summary.skipped++
        } else {
          rejections.push({
            fileIndex: i,
            file: String(d.source_file),
            line: Number(d.__line),
            row: Number(d.__row),
            field: "violation_id",
            value: String(d.violation_id),
            reason: `duplicate violation id with different content (first seen in ${d.__f0} row ${d.__r0})`
          })
          fs.rejected++
          run.summary.rejected++
        }
      }
      yield* view(
        "acc",
        `SELECT ${SILVER_COLS}, __ord FROM ${t("all")} WHERE __ord NOT IN (SELECT __file * 4294967296 + __row FROM ${t("dup")})`
      )
      const perFile = yield* sql(
        `SELECT __ord // 4294967296 AS __file, count(*)::BIGINT AS n FROM ${t("acc")} GROUP BY 1`
      )
      let accepted = 0
      for (const r of perFile) {
        const fs = summaryOf(files[Number(r.__file)]!)
        fs.accepted += Number(r.n)
        accepted += Number(r.n)
      }
      run.summary.accepted += accepted
      run.summary.rows = run.summary.files.filter((f) => f.role === "records").reduce((n, f) => n + f.rows, 0)
      for (const fs of run.summary.files)
        if (fs.role === "records" && fs.rows !== fs.accepted + fs.rejected + fs.skipped)
          return yield* fail(
            "normalize",
            `vectorized ${a.plugin.id} lost rows of ${fs.file}: read ${fs.rows}, accounted ${fs.accepted + fs.rejected + fs.skipped}`
          )

      // 5. Classify against silver: the versions the batch replaces (at the head, or at the landed commit's
      //    parent when finishing an interrupted batch) and what is new or changed.
      const few = accepted <= 20_000
      const ids = few
        ? (yield* sql(`SELECT violation_id FROM ${t("acc")}`)).map((r) => String(r.violation_id))
        : undefined
      const base = a.landed === undefined ? a.head : a.landed.parentId
      // Two steps: which ids exist (reads one column), then the full rows of just those. A semi-join of whole
      // rows against the batch's ids cannot be pushed into the Parquet scan and read every ~2 KB row of
      // history (18.7 s for a 10k-row daily file on 5M rows; 0.x s this way).
      const idsRel = yield* bulk.silverRelation(a.agency, base, ids)
      yield* table(
        "old_ids",
        `SELECT violation_id FROM (${idsRel}) WHERE violation_id IN (SELECT violation_id FROM ${t("acc")})`
      )
      const [oc] = yield* sql(`SELECT count(*)::BIGINT AS n FROM ${t("old_ids")}`)
      const existing = Number(oc?.n ?? 0)
      // the old versions without their details (~1.5 KB each, not needed for gold; the feed reads the few it
      // needs below)
      if (existing === 0) yield* table("old", `SELECT ${SILVER_COLS_NARROW} FROM (${idsRel}) WHERE false`)
      else if (existing <= 20_000) {
        // the relation of just these ids skips row groups by their id range (`silverRelation`); the list is exact
        const matched = (yield* sql(`SELECT violation_id FROM ${t("old_ids")}`)).map((r) =>
          String(r.violation_id)
        )
        const oldRel = yield* bulk.silverRelation(a.agency, base, matched)
        yield* table(
          "old",
          `SELECT ${SILVER_COLS_NARROW} FROM (${oldRel}) WHERE violation_id IN (${matched.map(sqlStr).join(", ")})`
        )
      } else
        yield* table(
          "old",
          `SELECT ${SILVER_COLS_NARROW} FROM (${idsRel}) WHERE violation_id IN (SELECT violation_id FROM ${t("old_ids")})`
        )
      let news = t("acc")
      if (a.landed !== undefined) {
        const landedRel = yield* bulk.silverRelation(a.agency, a.landed.snapshotId, ids)
        yield* table(
          "landed",
          `SELECT l.*, a.__ord FROM (SELECT ${SILVER_COLS} FROM (${landedRel})) l JOIN ${t("acc")} a USING (violation_id)`
        )
        yield* view(
          "news",
          `SELECT * FROM ${t("landed")}
           UNION ALL BY NAME SELECT * FROM ${t("acc")} WHERE violation_id NOT IN (SELECT violation_id FROM ${t("landed")})`
        )
        news = t("news")
      }
      // a view for big batches: copying a backfill's million wide rows into a table costs more than joining
      // again; a daily file's few thousand are read ~8 times (counts, silver write and its deletes, gold, feed),
      // each a join of the records file with `old`, so they are copied once
      yield* (few ? table : view)(
        "chg",
        `SELECT n.*, o.violation_id IS NOT NULL AS __replaces FROM ${news} n LEFT JOIN ${t("old")} o ON o.violation_id = n.violation_id
         WHERE o.violation_id IS NULL OR o.content_hash IS DISTINCT FROM n.content_hash`
      )
      const [counts] = yield* sql(
        `SELECT count(*) FILTER (WHERE NOT __replaces)::BIGINT AS ins, count(*) FILTER (WHERE __replaces)::BIGINT AS upd FROM ${t("chg")}`
      )
      const inserted = Number(counts?.ins ?? 0)
      const updated = Number(counts?.upd ?? 0)

      // 6. Silver: one upsert snapshot; equality deletes only for the replaced ids.
      let silverSnapshot = a.landed?.snapshotId ?? a.head
      if (a.landed === undefined && inserted + updated > 0) {
        const landed = yield* timed(
          "silver write",
          bulk.silverWrite(
            a.agency,
            a.source,
            a.head,
            `SELECT ${SILVER_COLS} FROM ${t("chg")}`,
            `SELECT violation_id FROM ${t("chg")} WHERE __replaces`
          )
        )
        silverSnapshot = landed.snapshotId
      }

      // 7. Gold: new minus old per (entity, agency, event date, place), one append per table. A record with an
      //    `action_id` counts through its action group (`mergeAction` in core, as SQL: `mergedActionsSql`): every group a
      //    changed record left or joined contributes its merged action after the commit minus before it.
      const replacedIds = `SELECT violation_id FROM ${t("chg")} WHERE __replaces`
      // most batches (OSHA, FAA) have no action ids at all: one cheap probe (a single column, all null) and
      // no further pass over the changed rows
      const [probe] = yield* sql(
        `SELECT EXISTS (SELECT 1 FROM ${news} WHERE action_id IS NOT NULL) OR EXISTS (SELECT 1 FROM ${t("old")} WHERE action_id IS NOT NULL) AS y`
      )
      if (probe?.y === true)
        yield* table(
          "actions",
          `SELECT DISTINCT action_id FROM (
             SELECT action_id FROM ${t("chg")} WHERE action_id IS NOT NULL
             UNION ALL SELECT action_id FROM ${t("old")} WHERE action_id IS NOT NULL AND violation_id IN (${replacedIds}))`
        )
      const [ac] =
        probe?.y === true ? yield* sql(`SELECT count(*)::BIGINT AS n FROM ${t("actions")}`) : [{ n: 0 }]
      const actionCount = Number(ac?.n ?? 0)
      if (actionCount > 0) {
        // an inline list is a filter DuckDB pushes into the scan (a bulk batch's ~1M ids stay in their table)
        const filter =
          actionCount <= 20_000
            ? (yield* sql(`SELECT action_id FROM ${t("actions")}`))
                .map((r) => sqlStr(String(r.action_id)))
                .join(", ")
            : `SELECT action_id FROM ${t("actions")}`
        const membersBefore = `SELECT ${SILVER_COLS_NARROW} FROM (${yield* bulk.silverRelation(a.agency, base)}) WHERE action_id IN (${filter})`
        yield* table("merged_before", mergedActionsSql(membersBefore))
        // one statement each: the merge, the batch's first row per action (naming order) and their join
        yield* table(
          "action_ord",
          `SELECT action_id, 4611686018427387904 + min(__ord) AS __ord FROM ${t("chg")} WHERE action_id IS NOT NULL GROUP BY action_id`
        )
        // The members after the commit: silver before it minus the replaced ids plus the changed rows (what
        // the silver write committed), so the new snapshot is not read again (a 1M-row EPA release's members:
        // ~8 CPU s to read and copy). Finishing a landed batch reads its commit.
        let after =
          a.landed === undefined
            ? `SELECT ${SILVER_COLS_NARROW} FROM ${t("chg")} WHERE action_id IS NOT NULL
               UNION ALL SELECT * FROM (${membersBefore}) WHERE violation_id NOT IN (${replacedIds})`
            : `SELECT ${SILVER_COLS_NARROW} FROM (${yield* bulk.silverRelation(a.agency, silverSnapshot)}) WHERE action_id IN (${filter})`
        // A bulk batch touches up to a million actions: merged a slice of actions at a time, their members
        // copied once (compressed on disk) and each slice's result too. Only groups of several members are
        // aggregated (`mergedActionsSql`), so a slice holds 1M actions (9 slices of 100k, each reading every
        // member, took ~10 CPU s for a 1M-row EPA release; an aggregation of every group ran out of memory).
        const mergeSlices = Math.max(1, Math.ceil(actionCount / (a.sqlSliceRows ?? 1_000_000)))
        if (mergeSlices > 1) {
          yield* parquetView("members_now", after)
          after = `SELECT * FROM ${t("members_now")}`
        }
        for (let j = 0; j < mergeSlices; j++)
          yield* parquetView(
            `merged_now_${j}`,
            mergedActionsSql(
              mergeSlices === 1
                ? after
                : `SELECT * FROM (${after}) WHERE hash(action_id) % ${mergeSlices} = ${j}`
            )
          )
        yield* sliceUnion("merged_now", mergeSlices)
        yield* table(
          "merged_after",
          `SELECT m.*, o.__ord FROM ${t("merged_now")} m LEFT JOIN ${t("action_ord")} o USING (action_id)`
        )
      }
      // Every changed row once, signed: +1 for what the batch wrote, -1 for the versions it replaced (and the
      // merged action groups after / before the commit).
      const contrib = () => {
        const own = `SELECT 1 AS s, __ord, * EXCLUDE (__ord, __replaces)
                FROM ${t("chg")} WHERE status <> 'deleted' AND action_id IS NULL
                UNION ALL
                SELECT -1 AS s, NULL AS __ord, *
                FROM ${t("old")} WHERE status <> 'deleted' AND action_id IS NULL
                  AND violation_id IN (${replacedIds})`
        if (actionCount === 0) return own
        return `${own}
                UNION ALL
                SELECT 1 AS s, __ord, * EXCLUDE (__ord) FROM ${t("merged_after")}
                UNION ALL
                SELECT -1 AS s, NULL AS __ord, * FROM ${t("merged_before")}`
      }
      const nonzero = GOLD_MEASURES.map((c) => `${c} <> 0`).join(" OR ")
      // The measures of a grain summed again over finer grains' rows (the penalty sums keep their decimal type)
      const resum = GOLD_MEASURES.map((c) =>
        c === "penalty_initial" || c === "penalty_current"
          ? `CAST(sum(${c}) AS DECIMAL(18,2)) AS ${c}`
          : `sum(${c})::BIGINT AS ${c}`
      ).join(", ")
      const measures = GOLD_MEASURES.join(", ")
      const touched: Record<EntityKind, ReadonlyArray<string>> = { company: [], city: [], state: [] }
      let goldDeltas = 0
      // One pass over the changed rows at the company grain (company, agency, event date, state, city), which
      // is also the finest grain of the city and state deltas: those roll up from it (a few rows per
      // inspection) instead of reading every changed row twice more. Each name is the one of the newest row
      // that has one (`arg_max` skips nulls), kept per grain row with that row's order so the roll-up picks the
      // same one. Aggregated a slice of companies at a time for big batches (the grain includes the company,
      // so slices are independent).
      const goldSlices = Math.max(1, Math.ceil((inserted + 2 * updated) / (a.sqlSliceRows ?? 1_000_000)))
      const cityName = "city || ', ' || state"
      for (let j = 0; j < goldSlices; j++)
        yield* table(
          `gold_base_${j}`,
          `SELECT *, ${nonzero} AS __nonzero FROM (
           SELECT company_slug, agency, event_date, state, city_slug,
             sum(s)::BIGINT AS violation_count,
             sum(CASE WHEN status = 'open' THEN s ELSE 0 END)::BIGINT AS open_count,
             sum(CASE WHEN status = 'closed' THEN s ELSE 0 END)::BIGINT AS closed_count,
             CAST(sum(s * coalesce(penalty_initial, 0)) AS DECIMAL(18,2)) AS penalty_initial,
             CAST(sum(s * coalesce(penalty_current, 0)) AS DECIMAL(18,2)) AS penalty_current,
             sum(CASE WHEN ${CURRENT_UNKNOWN_SQL} THEN s ELSE 0 END)::BIGINT AS penalty_current_unknown_count,
             ${ViolationTypes.map((ty) => `sum(CASE WHEN violation_type = ${sqlStr(ty)} THEN s ELSE 0 END)::BIGINT AS count_${ty}`).join(", ")},
             arg_max(company_name, __ord) FILTER (WHERE s = 1) AS __company_name,
             arg_max(${cityName}, __ord) FILTER (WHERE s = 1) AS __city_name,
             max(__ord) FILTER (WHERE s = 1 AND ${cityName} IS NOT NULL) AS __city_ord,
             max(__ord) FILTER (WHERE s = 1) AS __ord
           FROM (${contrib()}) WHERE ${goldSlices === 1 ? "TRUE" : `hash(company_slug) % ${goldSlices} = ${j}`}
           GROUP BY company_slug, agency, event_date, state, city_slug)`
        )
      yield* sliceUnion("gold_base", goldSlices)
      yield* view(
        "gold_company",
        `SELECT 'COMPANY#' || company_slug AS entity_key, agency, event_date, state, city_slug, ${measures},
           __company_name AS entity_name, __nonzero FROM ${t("gold_base")}`
      )
      const rollUp = (key: string, name: string, ord: string, where: string) =>
        `SELECT *, ${nonzero} AS __nonzero FROM (
           SELECT ${key} AS entity_key, agency, event_date, state, city_slug, ${resum},
             arg_max(${name}, ${ord}) AS entity_name
           FROM ${t("gold_base")} WHERE ${where}
           GROUP BY ALL)`
      yield* table(
        "gold_city",
        rollUp("'CITY#' || city_slug", "__city_name", "__city_ord", "city_slug IS NOT NULL")
      )
      yield* table("gold_state", rollUp("'STATE#' || lower(state)", "state", "__ord", "state IS NOT NULL"))
      for (const k of ["company", "city", "state"] as const) {
        touched[k] = (yield* sql(`SELECT entity_key FROM ${t(`gold_${k}`)} GROUP BY entity_key`)).map((r) =>
          String(r.entity_key)
        )
        const [n] = yield* sql(`SELECT count(*)::BIGINT AS n FROM ${t(`gold_${k}`)} WHERE __nonzero`)
        if (Number(n?.n ?? 0) === 0) continue
        yield* timed(
          `gold append ${k}`,
          bulk.goldAppendSql(
            k,
            a.source,
            `SELECT * EXCLUDE (__nonzero) FROM ${t(`gold_${k}`)} WHERE __nonzero`
          )
        ).pipe(retryTransient)
        goldDeltas += Number(n?.n ?? 0)
      }

      // 8. The live feed needs the changed records and the versions they replaced (daily batches: small).
      const changed = a.feed
        ? yield* bulk.readViolations(`SELECT ${SILVER_COLS} FROM ${t("chg")} ORDER BY __ord`)
        : []
      let previous: ReadonlyArray<Violation> = []
      if (a.feed && updated > 0) {
        // full old versions (details included) of the replaced records only
        const replaced = (yield* sql(`SELECT violation_id FROM ${t("chg")} WHERE __replaces`)).map((r) =>
          String(r.violation_id)
        )
        const few = replaced.length <= 20_000
        const rel = yield* bulk.silverRelation(a.agency, base, few ? replaced : undefined)
        const filter = few
          ? replaced.map(sqlStr).join(", ")
          : `SELECT violation_id FROM ${t("chg")} WHERE __replaces`
        previous = yield* bulk.readViolations(
          `SELECT o.* FROM (SELECT ${SILVER_COLS} FROM (${rel}) WHERE violation_id IN (${filter})) o
           JOIN ${t("chg")} c ON c.violation_id = o.violation_id AND c.__replaces ORDER BY c.__ord`
        )
      }
      rejections.sort((x, y) => x.fileIndex - y.fileIndex || x.row - y.row)
      const rejectLines = rejections
        .map(({ fileIndex: _i, ...r }) =>
          JSON.stringify({
            file: r.file,
            line: r.line,
            row: r.row,
            field: r.field,
            value: r.value,
            reason: r.reason
          })
        )
        .join("\n")
      return {
        inserted,
        updated,
        unchanged: accepted - inserted - updated,
        silverSnapshot,
        goldDeltas,
        changed,
        previous,
        touched,
        rejectLines: rejectLines === "" ? "" : `${rejectLines}\n`,
        decided
      } satisfies BatchCore
    })
    return yield* Effect.ensuring(
      body,
      Effect.forEach(
        [...created].reverse(),
        ([kind, n]) => Effect.ignore(sql(`DROP ${kind} IF EXISTS ${n}`)),
        {
          discard: true
        }
      )
    )
  })
