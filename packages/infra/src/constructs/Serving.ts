import { type TableDefinition, type TableNames, tableDefinitions, tableNames } from "@ventureos/serving"
import { RemovalPolicy, Stack } from "aws-cdk-lib"
import * as dynamodb from "aws-cdk-lib/aws-dynamodb"
import type * as iam from "aws-cdk-lib/aws-iam"
import { Construct } from "constructs"
import { acknowledgeWildcardResources } from "../Access"
import type { StageSettings } from "../Settings"

/** The attribute DynamoDB's TTL deletes on (summary leases and daily rate counters set it, in seconds). */
export const TTL_ATTRIBUTE = "ttl"

const attribute = (def: TableDefinition, name: string): dynamodb.Attribute => {
  const a = def.AttributeDefinitions.find((d) => d.AttributeName === name)
  if (a === undefined) throw new Error(`${def.TableName}: attribute ${name} has no definition`)
  return { name, type: dynamodb.AttributeType.STRING }
}
const keyOf = (def: TableDefinition, schema: TableDefinition["KeySchema"]) => {
  const hash = schema.find((k) => k.KeyType === "HASH")
  const range = schema.find((k) => k.KeyType === "RANGE")
  if (hash === undefined) throw new Error(`${def.TableName}: no HASH key`)
  return {
    partitionKey: attribute(def, hash.AttributeName),
    ...(range === undefined ? {} : { sortKey: attribute(def, range.AttributeName) })
  }
}

/**
 * Serving: the DynamoDB tables of `@ventureos/serving` (`tableDefinitions`, the same inputs `serving setup`
 * creates locally: keys, `ByViolation` and `ByRank` indexes, on-demand billing), with point-in-time recovery,
 * TTL on `ttl` (the Violations table holds the summary leases and rate counters that set it), deletion
 * protection where the stage asks for it.
 */
export class Serving extends Construct {
  readonly tables: ReadonlyArray<dynamodb.TableV2>
  readonly tablePrefix: string

  constructor(scope: Construct, id: string, props: { settings: StageSettings }) {
    super(scope, id)
    const s = props.settings
    this.tablePrefix = s.tablePrefix
    const names = tableNames(s.tablePrefix)
    this.tables = tableDefinitions(s.tablePrefix).map((def) => {
      if (def.BillingMode !== "PAY_PER_REQUEST")
        throw new Error(`${def.TableName}: expected on-demand billing`)
      return new dynamodb.TableV2(this, def.TableName.slice(s.tablePrefix.length + 1), {
        tableName: def.TableName,
        ...keyOf(def, def.KeySchema),
        billing: dynamodb.Billing.onDemand(),
        globalSecondaryIndexes: (def.GlobalSecondaryIndexes ?? []).map((g) => ({
          indexName: g.IndexName,
          ...keyOf(def, g.KeySchema),
          projectionType: dynamodb.ProjectionType.ALL
        })),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: s.deletionProtection,
        removalPolicy: s.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        ...(def.TableName === names.violations ? { timeToLiveAttribute: TTL_ATTRIBUTE } : {})
      })
    })
  }
}

/** The environment the serving store's DynamoDB driver reads (`ServingStoreDynamo.layerConfig`). */
export const servingEnvironment = (settings: StageSettings): Record<string, string> => ({
  VENTUREOS_TABLE_PREFIX: settings.tablePrefix
})

/**
 * The serving tables as seen from another stack (imported by their names, which `@ventureos/serving`
 * derives from the stage's table prefix), with the grants the functions there need.
 */
export class ServingAccess extends Construct {
  private readonly tables: Record<keyof TableNames, dynamodb.ITableV2>
  private readonly indexed: ReadonlySet<string>

  constructor(scope: Construct, id: string, props: { settings: StageSettings }) {
    super(scope, id)
    const n = tableNames(props.settings.tablePrefix)
    const defs = tableDefinitions(props.settings.tablePrefix)
    const indexesOf = (name: string) =>
      (defs.find((d) => d.TableName === name)?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName)
    this.indexed = new Set(
      defs.filter((d) => (d.GlobalSecondaryIndexes ?? []).length > 0).map((d) => d.TableName)
    )
    // the indexes named (from the same definitions) so grants cover `table/<name>/index/*` too
    const imp = (role: keyof TableNames) =>
      dynamodb.TableV2.fromTableAttributes(this, role, {
        tableName: n[role],
        globalIndexes: indexesOf(n[role]),
        grantIndexPermissions: false
      })
    this.tables = {
      entities: imp("entities"),
      violations: imp("violations"),
      projects: imp("projects"),
      search: imp("search")
    }
  }

  private grant(role: iam.Role, write: ReadonlySet<keyof TableNames>): void {
    for (const [name, t] of Object.entries(this.tables) as Array<[keyof TableNames, dynamodb.ITableV2]>) {
      if (write.has(name)) t.grantReadWriteData(role)
      else t.grantReadData(role)
      if (this.indexed.has(t.tableName))
        acknowledgeWildcardResources(
          role,
          Stack.of(this),
          [`${t.tableArn}/index/*`],
          "the table's indexes (ByViolation, ByRank), which the serving store queries"
        )
    }
  }

  /** Read every table and index (API handlers). */
  grantRead(role: iam.Role): void {
    this.grant(role, new Set())
  }

  /** Read every table, write `tables` (e.g. the Violations table for summary leases and counters). */
  grantReadWriteOf(role: iam.Role, tables: ReadonlyArray<keyof TableNames>): void {
    this.grant(role, new Set(tables))
  }

  /** Read and write every table (the serving sync). */
  grantReadWrite(role: iam.Role): void {
    this.grant(role, new Set(Object.keys(this.tables) as Array<keyof TableNames>))
  }
}
