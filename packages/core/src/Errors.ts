import { Schema } from "effect"

/** A row that could not become a record: where it is and what was wrong with it. */
export class RowRejectedError extends Schema.TaggedError<RowRejectedError>()("RowRejectedError", {
  file: Schema.String,
  line: Schema.Number,
  field: Schema.String,
  value: Schema.NullOr(Schema.String),
  reason: Schema.String
}) {
  override get message() {
    return `${this.file}:${this.line}: field ${this.field} = ${JSON.stringify(this.value)}: ${this.reason}`
  }
}

/** A file that cannot be used at all (empty, binary, unknown header...). */
export class UnusableFileError extends Schema.TaggedError<UnusableFileError>()("UnusableFileError", {
  file: Schema.String,
  reason: Schema.String,
  expected: Schema.String
}) {
  override get message() {
    return `${this.file}: ${this.reason} (expected ${this.expected})`
  }
}
