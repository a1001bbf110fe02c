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
