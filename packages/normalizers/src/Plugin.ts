import type { Violation } from "@ventureos/core"
import type { CsvRow } from "./Csv"

/** A dataset a plugin understands, recognised by the columns of its header. */
export interface DatasetSpec {
  /** Dataset id, also the `source_dataset` of its records, e.g. `osha_violation`. */
  readonly id: string
  readonly description: string
  /** Header columns (compared trimmed and case-insensitively) that identify the dataset. */
  readonly requiredColumns: ReadonlyArray<string>
  /** `records` datasets produce violations; `lookup` datasets only enrich them (OSHA inspections). */
  readonly role: "records" | "lookup"
  /**
   * Lookup datasets (ids) a records file cannot be normalized without (OSHA violations need their
   * inspections): checked before anything is archived, so a batch missing one fails at once.
   */
  readonly requiresLookups?: ReadonlyArray<string>
}

/** A file handed to a plugin, already matched to one of its datasets. */
export interface SourceFile {
  readonly path: string
  /** File name used in lineage and rejects (no directories). */
  readonly name: string
  readonly dataset: DatasetSpec
  readonly header: ReadonlyArray<string>
  /** Column index by lower-cased header name. */
  readonly columns: ReadonlyMap<string, number>
  /** Data rows in batches; rows whose cell count differs from the header's are already rejected. */
  readonly rows: () => AsyncIterable<ReadonlyArray<CsvRow>>
}

/** A row that could not become a record. */
export interface Rejection {
  readonly file: string
  readonly line: number
  readonly row: number
  readonly field: string
  readonly value: string | null
  readonly reason: string
}

/** What became of one input row. */
export type Outcome =
  | { readonly _tag: "accepted"; readonly record: Violation }
  | { readonly _tag: "rejected"; readonly rejection: Rejection }
  | {
      readonly _tag: "skipped"
      readonly file: string
      readonly line: number
      readonly row: number
      readonly reason: string
    }

/** Per-run values handed to plugins. */
export interface NormalizeContext {
  /** Lineage timestamp shared by every record of the run (ISO UTC). */
  readonly ingestedAt: string
}

/**
 * An agency normalizer. Implement this in your own package and register it to add an agency; see
 * `examples/plugin-agency`. Plugins are pure: rows in, outcomes out, no IO besides reading the given files.
 */
export interface NormalizerPlugin {
  /** Plugin id; also the agency id of its records unless `agency` differs. */
  readonly id: string
  readonly version: string
  readonly agency: string
  readonly description: string
  readonly datasets: ReadonlyArray<DatasetSpec>
  /**
   * Normalize the files of one run that belong to this plugin. Every row of every `records` file must yield
   * exactly one outcome. Lookup files are passed in the same list.
   */
  readonly normalize: (
    files: ReadonlyArray<SourceFile>,
    ctx: NormalizeContext
  ) => AsyncIterable<ReadonlyArray<Outcome>>
  /** Optional SQL form of `normalize` for bulk runs (see {@link VectorizedNormalizer}). */
  readonly vectorized?: VectorizedNormalizer
}

/** Thrown by a plugin when the set of files it was given cannot be used (e.g. violations without inspections). */
export class PluginInputError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly expected: string
  ) {
    super(`${file}: ${reason} (expected ${expected})`)
    this.name = "PluginInputError"
  }
}

/**
 * A file staged for SQL (see `stageCsv`): `relation` is a SQL table expression with columns `__row`, `__line`,
 * `__plain` (1 when every cell is printable ASCII) and `c0` … `c{n-1}` (the cells as text, NULL when empty).
 */
export interface StagedFile {
  readonly file: SourceFile
  /** Position of the file in the run (orders records: earlier files first). */
  readonly index: number
  readonly relation: string
}

/** What a vectorized normalizer is given. */
export interface VectorizedInput {
  readonly files: ReadonlyArray<StagedFile>
  readonly ingestedAt: string
  /** A table name private to this run, for `prepare` results (the same name for the same argument). */
  readonly scratch: (name: string) => string
}

/**
 * Optional vectorized form of a plugin: the same rules as its `normalize`, written as SQL (DuckDB dialect) so
 * millions of rows are normalized without a JavaScript call per row. It must agree with `normalize` record
 * for record (content hashes included); rows it cannot decide exactly (odd formats, anything that would be
 * rejected, non-ASCII text) are flagged `__js` and the driver runs `normalize` on them instead. Company and
 * city slugs are computed by the driver in JavaScript, once per distinct value.
 */
export interface VectorizedNormalizer {
  /** Tables to build first (e.g. a lookup joined several times), created in order and dropped after the run. */
  readonly prepare?: (
    input: VectorizedInput
  ) => ReadonlyArray<{ readonly table: string; readonly sql: string }>
  /**
   * `SELECT name`: the company names whose slugs `records` reads from `slugs.company(name, company, slug)`
   * (`company` is `companyOf(name)`, or `name` itself; `slug` is the company slug of `company`).
   */
  readonly companyNames: (input: VectorizedInput) => string
  /**
   * The company a published name keys on, when the plugin derives it in JavaScript (EPA cuts permit numbers,
   * action text and facilities out of free-text names): called by the driver once per distinct name.
   */
  readonly companyOf?: (name: string) => string
  /** `SELECT city, state`: the places whose slugs `records` reads from `slugs.city(city, state, slug)`. */
  readonly cityPlaces: (input: VectorizedInput) => string
  /**
   * One row per data row of every `records` file: the silver columns, `__file` (file index), `__row`,
   * `__line` and `__js` (true: let `normalize` decide this row; its other columns are then ignored).
   */
  readonly records: (
    input: VectorizedInput,
    slugs: { company: string; city: string },
    /**
     * When given, only the rows of this slice (of `count`), partitioned by the key lookups are joined on, so
     * a large lookup is joined a slice at a time (bounded memory). The slices together are every row once.
     */
    slice?: { readonly count: number; readonly index: number }
  ) => string
  /**
   * `SELECT __file, __row`: every row (of any file) `normalize` needs to decide the rows listed in table
   * `flagged(__file, __row)`, e.g. the lookup rows they join to.
   */
  readonly fallbackRows: (input: VectorizedInput, flagged: string) => string
}
