import { RemovalPolicy, Stack } from "aws-cdk-lib"
import type * as iam from "aws-cdk-lib/aws-iam"
import * as s3tables from "aws-cdk-lib/aws-s3tables"
import { Construct } from "constructs"
import { acknowledgeWildcardResources, allow, names, tableBucketArn } from "../Access"
import type { StageSettings } from "../Settings"

/** The namespaces of the lakehouse: `silver.<agency>` and `gold.<stats>` tables live in them. */
export const NAMESPACES = ["silver", "gold"] as const

/**
 * What the SDK does through the S3 Tables Iceberg REST endpoint and S3 FileIO, as IAM actions: config
 * (GetTableBucket), namespaces (list/get/create), tables (list/create/load/commit) and the table data
 * itself (Parquet and metadata files in the table's warehouse location). No DeleteTable / DeleteNamespace:
 * the ingest never drops anything.
 */
export const LAKEHOUSE_WRITE_ACTIONS = [
  "s3tables:GetTableBucket",
  "s3tables:ListNamespaces",
  "s3tables:GetNamespace",
  "s3tables:CreateNamespace",
  "s3tables:ListTables",
  "s3tables:CreateTable",
  "s3tables:GetTable",
  "s3tables:GetTableMetadataLocation",
  "s3tables:UpdateTableMetadataLocation",
  "s3tables:GetTableData",
  "s3tables:PutTableData"
] as const

/**
 * Lakehouse: an S3 Tables table bucket with the `silver` and `gold` namespaces. The tables themselves are
 * created by the SDK through the Iceberg REST endpoint on first write (`Catalog.createTable`): their schemas,
 * field ids and partition specs come from `@ventureos/core` (one source of truth, the same as the local
 * filesystem warehouse), and a CloudFormation copy of them would drift.
 */
export class Lakehouse extends Construct {
  readonly tableBucket: s3tables.CfnTableBucket
  readonly tableBucketArn: string
  readonly namespaces: ReadonlyArray<s3tables.CfnNamespace>

  constructor(scope: Construct, id: string, props: { settings: StageSettings }) {
    super(scope, id)
    const removal = props.settings.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY
    this.tableBucket = new s3tables.CfnTableBucket(this, "TableBucket", {
      tableBucketName: names.tableBucket(props.settings.name),
      // files no snapshot references any more (replaced versions, failed commits) are removed
      unreferencedFileRemoval: { status: "Enabled", unreferencedDays: 3, noncurrentDays: 10 },
      encryptionConfiguration: { sseAlgorithm: "AES256" }
    })
    this.tableBucket.applyRemovalPolicy(removal)
    this.tableBucketArn = this.tableBucket.attrTableBucketArn
    this.namespaces = NAMESPACES.map((namespace) => {
      const ns = new s3tables.CfnNamespace(this, `Namespace-${namespace}`, {
        namespace,
        tableBucketArn: this.tableBucketArn
      })
      ns.applyRemovalPolicy(removal)
      return ns
    })
  }
}

/**
 * Read and write every table of the stage's table bucket through the REST endpoint and S3 FileIO (ARN from
 * the bucket's name, in the grantee's stack).
 */
export const grantLakehouseReadWrite = (role: iam.Role, settings: StageSettings): void => {
  const arn = tableBucketArn(names.tableBucket(settings.name))
  allow(role, LAKEHOUSE_WRITE_ACTIONS, [arn, `${arn}/table/*`])
  acknowledgeWildcardResources(
    role,
    Stack.of(role),
    [`${arn}/table/*`],
    "every table of the stage's table bucket: silver.<agency> and gold.* are created by the SDK on first write, so their ARNs (table ids) are not known at deploy time"
  )
}
