import { Aws, type Stack, Validations } from "aws-cdk-lib"
import * as iam from "aws-cdk-lib/aws-iam"
import { flattenCfnReference } from "cdk-nag/lib/utils/flatten-cfn-reference"
import type { IConstruct } from "constructs"

/**
 * Physical names the stacks share. Consumers build ARNs from them in their own stack (pseudo parameters
 * only), never from another stack's tokens: the policies stay readable, and cdk-nag's per-finding
 * acknowledgments below can name each wildcard resource exactly. Stack dependencies keep the deploy order.
 */
export const names = {
  rawBucket: (stageName: string) => `${stageName}-raw-${Aws.ACCOUNT_ID}-${Aws.REGION}`,
  tableBucket: (stageName: string) => `${stageName}-lake`
}

/** `arn:<partition>:s3:::<bucket>` (and `/<key pattern>`). */
export const s3Arn = (bucket: string, keyPattern?: string) =>
  `arn:${Aws.PARTITION}:s3:::${bucket}${keyPattern === undefined ? "" : `/${keyPattern}`}`

/** `arn:<partition>:s3tables:<region>:<account>:bucket/<name>`. */
export const tableBucketArn = (name: string) =>
  `arn:${Aws.PARTITION}:s3tables:${Aws.REGION}:${Aws.ACCOUNT_ID}:bucket/${name}`

/**
 * Record, next to the grant, why a wildcard resource is needed: acknowledges cdk-nag's
 * `AwsSolutions-IAM5[Resource::…]` finding for exactly these ARNs (as cdk-nag flattens them) on `owner`
 * (a role: its default policy is below it). The least-privilege test lists every wildcard independently.
 */
export const acknowledgeWildcardResources = (
  owner: IConstruct,
  stack: Stack,
  arns: ReadonlyArray<string>,
  reason: string
): void => {
  for (const arn of arns)
    Validations.of(owner).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(stack.resolve(arn))}]`,
      reason
    })
}

/** Add one Allow statement to a grantee's policy. */
export const allow = (
  grantee: iam.IGrantable,
  actions: ReadonlyArray<string>,
  resources: ReadonlyArray<string>
) => iam.Grant.addToPrincipal({ grantee, actions: [...actions], resourceArns: [...resources] })
