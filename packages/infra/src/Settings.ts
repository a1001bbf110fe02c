import { KnownAgencies } from "@ventureos/core"

/** The deployment stages. A stage's differences are settings, never copies of stacks. */
export type Stage = "dev" | "prod"

/**
 * Where Lambda code comes from. `bundles`: the real artifacts (`pnpm package:lambda` for ingest and the DuckDB
 * layer, `pnpm --filter @ventureos/adapters-lambda bundle:api` for the API); `placeholder`: an inline stub
 * that throws, so templates synthesize offline (tests, `cdk synth` on a fresh clone) without building bundles.
 */
export type CodeSource = "bundles" | "placeholder"

/**
 * `routed`: one Lambda serves the whole API (`ANY /{proxy+}`). `split`: the hot read paths get their own
 * handlers (company, city/state/top, config), the routed handler serves the rest (search, history, feeds,
 * brands, violations, summaries).
 */
export type ApiHandlers = "routed" | "split"

/** Everything that differs between stages. */
export interface StageSettings {
  readonly stage: Stage
  /** Prefix of every physical name (stacks, functions, queues, table bucket): lowercase, e.g. `ventureos-dev`. */
  readonly name: string
  /** DynamoDB table prefix (`@ventureos/serving` `tableNames`), e.g. `VentureOS-dev` -> `VentureOS-dev-Entities`. */
  readonly tablePrefix: string
  /** Agencies with a silver table: one ingest message group (= one writer) each. */
  readonly agencies: ReadonlyArray<string>
  /** Keep data stores (buckets, tables, table bucket) when a stack is deleted. */
  readonly retainData: boolean
  /** DynamoDB deletion protection. */
  readonly deletionProtection: boolean
  /** CloudWatch Logs retention of every function and the API's access log, in days. */
  readonly logRetentionDays: 7 | 14 | 30 | 90 | 365
  readonly code: CodeSource
  readonly ingest: {
    /** Lambda timeout (s); the queue's visibility timeout is six times this. */
    readonly timeoutSeconds: number
    readonly memoryMb: number
    /** /tmp size: a bulk ingest needs about 5x its input files (README). */
    readonly ephemeralStorageMb: number
    /** Deliveries before a message goes to the dead-letter queue. */
    readonly maxReceiveCount: number
  }
  readonly backfill: {
    /** Worker Lambdas running at once in the backfill's Distributed Map. */
    readonly maxConcurrency: number
  }
  readonly api: {
    readonly handlers: ApiHandlers
    /** HTTP API stage throttling (steady requests/s and burst). */
    readonly throttleRatePerSecond: number
    readonly throttleBurst: number
    readonly memoryMb: number
    /** Reserved concurrency of each API function (caps cost and DynamoDB load); undefined = unreserved. */
    readonly reservedConcurrency: number | undefined
  }
  readonly summary: {
    /** Bedrock model id (or inference profile id) the worker may call; nothing else is allowed. */
    readonly bedrockModelId: string
    /** Daily summary budgets (`VENTUREOS_SUMMARY_BRAND_DAILY` / `_CLIENT_DAILY`). */
    readonly brandDaily: number
    readonly clientDaily: number
    /** Caps concurrent model calls; undefined = unreserved (a new account's 10 concurrent executions allow no reservation). */
    readonly reservedConcurrency: number | undefined
  }
  readonly alarms: {
    /** Messages in a dead-letter queue that raise its alarm. */
    readonly dlqDepth: number
    /** Errors per 5 minutes of one function that raise its alarm. */
    readonly functionErrors: number
    /** Throttles per 5 minutes of one function that raise its alarm. */
    readonly functionThrottles: number
    /** Optional e-mail subscribed to the alarm topic. */
    readonly email: string | undefined
  }
}

/** The same default model as `@ventureos/api`'s Bedrock provider (`DEFAULT_BEDROCK_MODEL`). */
export const DEFAULT_BEDROCK_MODEL_ID = "anthropic.claude-3-5-haiku-20241022-v1:0"

const base = (stage: Stage): StageSettings => ({
  stage,
  name: `ventureos-${stage}`,
  tablePrefix: `VentureOS-${stage}`,
  agencies: KnownAgencies,
  retainData: false,
  deletionProtection: false,
  logRetentionDays: 14,
  code: "bundles",
  ingest: { timeoutSeconds: 900, memoryMb: 3008, ephemeralStorageMb: 4096, maxReceiveCount: 5 },
  backfill: { maxConcurrency: 10 },
  api: {
    handlers: "routed",
    throttleRatePerSecond: 50,
    throttleBurst: 100,
    memoryMb: 512,
    reservedConcurrency: undefined
  },
  summary: {
    bedrockModelId: DEFAULT_BEDROCK_MODEL_ID,
    brandDaily: 200,
    clientDaily: 30,
    reservedConcurrency: undefined
  },
  alarms: { dlqDepth: 1, functionErrors: 5, functionThrottles: 10, email: undefined }
})

/** The settings of each stage. */
export const stageSettings: Record<Stage, StageSettings> = {
  dev: base("dev"),
  prod: {
    ...base("prod"),
    retainData: true,
    deletionProtection: true,
    logRetentionDays: 90,
    // 10 GB of /tmp: the largest bulk file a single ingest may take is about 2 GB (5x scratch)
    ingest: { timeoutSeconds: 900, memoryMb: 10240, ephemeralStorageMb: 10240, maxReceiveCount: 5 },
    // bench/backfill/README.md: 100 workers take a 20M-record catalog in well under an hour
    backfill: { maxConcurrency: 100 },
    api: {
      handlers: "split",
      throttleRatePerSecond: 500,
      throttleBurst: 1000,
      memoryMb: 1024,
      reservedConcurrency: 100
    },
    summary: { ...base("prod").summary, brandDaily: 1000, reservedConcurrency: 10 },
    alarms: { dlqDepth: 1, functionErrors: 1, functionThrottles: 1, email: undefined }
  }
}

/** Thrown for an unusable setting: names the context key, the value and what was expected. */
export class SettingsError extends Error {
  override readonly name = "SettingsError"
}

const oneOf = <A extends string>(key: string, value: unknown, allowed: ReadonlyArray<A>): A => {
  if (typeof value === "string" && (allowed as ReadonlyArray<string>).includes(value)) return value as A
  throw new SettingsError(
    `context ${key}=${JSON.stringify(value)}: expected one of ${allowed.map((a) => `"${a}"`).join(", ")}`
  )
}

/**
 * Settings from CDK context (`cdk synth -c stage=prod -c code=placeholder -c apiHandlers=routed
 * -c bedrockModelId=... -c alarmEmail=...`); every key is optional, `stage` defaults to `dev`.
 */
export const settingsFromContext = (get: (key: string) => unknown): StageSettings => {
  const stage = oneOf("stage", get("stage") ?? "dev", ["dev", "prod"] as const)
  const s = stageSettings[stage]
  const code = get("code")
  const handlers = get("apiHandlers")
  const model = get("bedrockModelId")
  const email = get("alarmEmail")
  if (model !== undefined && (typeof model !== "string" || !/^[\w.:/-]{3,200}$/.test(model)))
    throw new SettingsError(
      `context bedrockModelId=${JSON.stringify(model)}: expected a Bedrock model or inference profile id`
    )
  if (email !== undefined && (typeof email !== "string" || !/^[^@\s]+@[^@\s]+$/.test(email)))
    throw new SettingsError(`context alarmEmail=${JSON.stringify(email)}: expected an e-mail address`)
  return {
    ...s,
    code: code === undefined ? s.code : oneOf("code", code, ["bundles", "placeholder"] as const),
    api: {
      ...s.api,
      handlers: handlers === undefined ? s.api.handlers : oneOf("apiHandlers", handlers, ["routed", "split"])
    },
    summary: { ...s.summary, bedrockModelId: (model as string | undefined) ?? s.summary.bedrockModelId },
    alarms: { ...s.alarms, email: email as string | undefined }
  }
}
