/**
 * The four serving tables. Names share a per-environment prefix (`VentureOS` -> `VentureOS-Entities`).
 * Keys are strings `PK` (hash) and `SK` (range); billing is on-demand. {@link tableDefinitions} is the
 * single source for `setup()` and for infrastructure-as-code (`tableDefinitionsJson`).
 */
export const DEFAULT_TABLE_PREFIX = "VentureOS"

/** The four table names for a prefix. */
export interface TableNames {
  readonly entities: string
  readonly violations: string
  readonly projects: string
  /** The name search index (docs, vocabulary blocks, postings). */
  readonly search: string
}

/** Table names for a prefix; the prefix may only use DynamoDB's table-name characters. */
export const tableNames = (prefix: string = DEFAULT_TABLE_PREFIX): TableNames => {
  if (!/^[A-Za-z0-9_.-]{1,200}$/.test(prefix)) throw new RangeError(`invalid table prefix: ${prefix}`)
  return {
    entities: `${prefix}-Entities`,
    violations: `${prefix}-Violations`,
    projects: `${prefix}-Projects`,
    search: `${prefix}-Search`
  }
}

/** A CreateTable input (the subset we use), serializable as JSON for CloudFormation/CDK/Terraform. */
export interface TableDefinition {
  readonly TableName: string
  readonly AttributeDefinitions: ReadonlyArray<{
    readonly AttributeName: string
    readonly AttributeType: "S"
  }>
  readonly KeySchema: ReadonlyArray<{ readonly AttributeName: string; readonly KeyType: "HASH" | "RANGE" }>
  readonly BillingMode: "PAY_PER_REQUEST"
  readonly GlobalSecondaryIndexes?: ReadonlyArray<{
    readonly IndexName: string
    readonly KeySchema: ReadonlyArray<{ readonly AttributeName: string; readonly KeyType: "HASH" | "RANGE" }>
    readonly Projection: { readonly ProjectionType: "ALL" }
  }>
}

/**
 * GSI of the Violations table: feed items by `violation_id` (their own attribute), so one violation can be
 * read without knowing an entity it is listed under. No extra writes by the code: DynamoDB maintains it.
 */
export const BY_VIOLATION_INDEX = "ByViolation"

/**
 * GSI of the Search table: the postings of a term (`PK=TERM#<term>`) by `rank` (inverted violation count,
 * then entity key), so one Query with a Limit reads a term's most-cited entities. Only postings carry
 * `rank` (a sparse index); a count change rewrites the same base item and DynamoDB moves it in the index.
 */
export const SEARCH_RANK_INDEX = "ByRank"

const definition = (TableName: string): TableDefinition => ({
  TableName,
  AttributeDefinitions: [
    { AttributeName: "PK", AttributeType: "S" },
    { AttributeName: "SK", AttributeType: "S" }
  ],
  KeySchema: [
    { AttributeName: "PK", KeyType: "HASH" },
    { AttributeName: "SK", KeyType: "RANGE" }
  ],
  BillingMode: "PAY_PER_REQUEST"
})

/** CreateTable inputs of the four tables. */
export const tableDefinitions = (prefix: string = DEFAULT_TABLE_PREFIX): ReadonlyArray<TableDefinition> => {
  const n = tableNames(prefix)
  const violations = definition(n.violations)
  return [
    definition(n.entities),
    {
      ...violations,
      AttributeDefinitions: [
        ...violations.AttributeDefinitions,
        { AttributeName: "violation_id", AttributeType: "S" }
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: BY_VIOLATION_INDEX,
          KeySchema: [
            { AttributeName: "violation_id", KeyType: "HASH" },
            { AttributeName: "PK", KeyType: "RANGE" }
          ],
          Projection: { ProjectionType: "ALL" }
        }
      ]
    },
    definition(n.projects),
    {
      ...definition(n.search),
      AttributeDefinitions: [
        { AttributeName: "PK", AttributeType: "S" },
        { AttributeName: "SK", AttributeType: "S" },
        { AttributeName: "rank", AttributeType: "S" }
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: SEARCH_RANK_INDEX,
          KeySchema: [
            { AttributeName: "PK", KeyType: "HASH" },
            { AttributeName: "rank", KeyType: "RANGE" }
          ],
          Projection: { ProjectionType: "ALL" }
        }
      ]
    }
  ]
}

/** The table definitions as pretty JSON, for infrastructure-as-code. */
export const tableDefinitionsJson = (prefix: string = DEFAULT_TABLE_PREFIX): string =>
  JSON.stringify(tableDefinitions(prefix), null, 2)
