import { Stack, type StackProps, Validations } from "aws-cdk-lib"
import * as sns from "aws-cdk-lib/aws-sns"
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions"
import type { Construct } from "constructs"
import { Api } from "./constructs/Api"
import { Backfill } from "./constructs/Backfill"
import { Bronze } from "./constructs/Bronze"
import { Ingest } from "./constructs/Ingest"
import { Lakehouse } from "./constructs/Lakehouse"
import { Serving } from "./constructs/Serving"
import { Web } from "./constructs/Web"
import type { StageSettings } from "./Settings"

export interface StageStackProps extends StackProps {
  readonly settings: StageSettings
}

/** Operations: the topic every alarm of the stage notifies (and an optional e-mail subscription). */
export class OpsStack extends Stack {
  readonly alarmTopic: sns.Topic
  constructor(scope: Construct, id: string, props: StageStackProps) {
    super(scope, id, props)
    this.alarmTopic = new sns.Topic(this, "Alarms", {
      topicName: `${props.settings.name}-alarms`,
      displayName: `VentureOS ${props.settings.stage} alarms`,
      enforceSSL: true
    })
    if (props.settings.alarms.email !== undefined)
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.settings.alarms.email))
    Validations.of(this.alarmTopic).acknowledge({
      id: "AwsSolutions-SNS2",
      reason:
        "alarm notifications carry no data beyond alarm names; CloudWatch can only publish to an SSE topic with a customer-managed key policy, not worth a KMS key per stage"
    })
  }
}

/** The raw archive bucket. */
export class BronzeStack extends Stack {
  readonly bronze: Bronze
  constructor(scope: Construct, id: string, props: StageStackProps) {
    super(scope, id, props)
    this.bronze = new Bronze(this, "Bronze", { settings: props.settings })
  }
}

/** The S3 Tables table bucket and its namespaces. */
export class LakehouseStack extends Stack {
  readonly lakehouse: Lakehouse
  constructor(scope: Construct, id: string, props: StageStackProps) {
    super(scope, id, props)
    this.lakehouse = new Lakehouse(this, "Lakehouse", { settings: props.settings })
  }
}

/** The DynamoDB serving tables. */
export class ServingStack extends Stack {
  readonly serving: Serving
  constructor(scope: Construct, id: string, props: StageStackProps) {
    super(scope, id, props)
    this.serving = new Serving(this, "Serving", { settings: props.settings })
  }
}

export interface IngestStackProps extends StageStackProps {
  readonly alarmTopic: sns.ITopic
}

/** EventBridge rules, the FIFO queue and its dead letters, the ingest Lambda and the DuckDB layer. */
export class IngestStack extends Stack {
  readonly ingest: Ingest
  constructor(scope: Construct, id: string, props: IngestStackProps) {
    super(scope, id, props)
    this.ingest = new Ingest(this, "Ingest", { settings: props.settings, alarmTopic: props.alarmTopic })
  }
}

/** The distributed backfill (Step Functions Distributed Map); see `constructs/Backfill.ts`. */
export class BackfillStack extends Stack {
  readonly backfill: Backfill
  constructor(scope: Construct, id: string, props: IngestStackProps) {
    super(scope, id, props)
    this.backfill = new Backfill(this, "Backfill", { settings: props.settings, alarmTopic: props.alarmTopic })
  }
}

export interface ApiStackProps extends StageStackProps {
  readonly alarmTopic: sns.ITopic
}

/** The HTTP API, its handlers and the summary worker. */
export class ApiStack extends Stack {
  readonly api: Api
  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props)
    this.api = new Api(this, "Api", { settings: props.settings, alarmTopic: props.alarmTopic })
  }
}

/** The dashboards: private bucket + CloudFront. */
export class WebStack extends Stack {
  readonly web: Web
  constructor(scope: Construct, id: string, props: StageStackProps & { readonly apiDomainName: string }) {
    super(scope, id, props)
    this.web = new Web(this, "Web", { settings: props.settings, apiDomainName: props.apiDomainName })
  }
}

/** Every stack of one stage: what a further stack (e.g. the backfill's) takes its resources from. */
export interface StageStacks {
  readonly settings: StageSettings
  readonly ops: OpsStack
  readonly bronze: BronzeStack
  readonly lakehouse: LakehouseStack
  readonly serving: ServingStack
  readonly ingest: IngestStack
  readonly backfill: BackfillStack
  readonly api: ApiStack
  readonly web: WebStack
}

/**
 * The stacks of one stage, named `<settings.name>-<concern>` (e.g. `ventureos-prod-ingest`). Account and
 * region come from the CLI's environment (`CDK_DEFAULT_ACCOUNT` / `CDK_DEFAULT_REGION`) when set; without
 * them the templates are environment-agnostic, which is what the offline synth and the tests use.
 */
export const buildStage = (
  scope: Construct,
  settings: StageSettings,
  props: StackProps = {}
): StageStacks => {
  const base = { ...props, settings }
  const id = (concern: string) => `${settings.name}-${concern}`
  const ops = new OpsStack(scope, id("ops"), { ...base, description: "VentureOS alarms topic" })
  const bronze = new BronzeStack(scope, id("bronze"), {
    ...base,
    description: "VentureOS raw archive (bronze)"
  })
  const lakehouse = new LakehouseStack(scope, id("lakehouse"), {
    ...base,
    description: "VentureOS lakehouse (S3 Tables: silver, gold)"
  })
  const serving = new ServingStack(scope, id("serving"), {
    ...base,
    description: "VentureOS serving (DynamoDB)"
  })
  const alarmTopic = ops.alarmTopic
  const ingest = new IngestStack(scope, id("ingest"), {
    ...base,
    description: "VentureOS ingest (EventBridge -> SQS FIFO -> Lambda)",
    alarmTopic
  })
  // the ingest and the API reach bronze, the lakehouse and serving by name: deploy those first
  ingest.addStackDependency(bronze)
  ingest.addStackDependency(lakehouse)
  ingest.addStackDependency(serving)
  const backfill = new BackfillStack(scope, id("backfill"), {
    ...base,
    description: "VentureOS distributed backfill (Step Functions Distributed Map -> Lambda workers)",
    alarmTopic
  })
  backfill.addStackDependency(bronze)
  backfill.addStackDependency(lakehouse)
  const api = new ApiStack(scope, id("api"), {
    ...base,
    description: "VentureOS API v2 (HTTP API + Lambda) and summary worker",
    alarmTopic
  })
  api.addStackDependency(serving)
  const web = new WebStack(scope, id("web"), {
    ...base,
    description: "VentureOS dashboards (S3 + CloudFront)",
    apiDomainName: api.api.domainName
  })
  return { settings, ops, bronze, lakehouse, serving, ingest, backfill, api, web }
}
