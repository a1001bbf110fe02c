import { readFileSync } from "node:fs"
import { join } from "node:path"
import { makeMemory, ServingStore } from "@ventureos/serving"
import { Effect, Layer, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  GenerationLog,
  type GenerationRecord,
  layerOpenAiCompatible,
  layerServices,
  Summarizer,
  type SummaryProvider
} from "../src"
import { layerProviderConfig } from "../src/aws"
import { ids, seed } from "./seed"
import { startStub } from "./stub"

interface Fixture {
  readonly request: {
    readonly method: string
    readonly path: string
    readonly bodyKeys: ReadonlyArray<string>
  }
  readonly response: {
    readonly status: number
    readonly headers: Record<string, string>
    readonly body: unknown
  }
}
const fixture = (name: string): Fixture =>
  JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "bedrock", `${name}.json`), "utf8"))

/** Run one generation of `violationId` with `provider` over a freshly seeded memory store. */
const generate = (
  provider: Layer.Layer<SummaryProvider, unknown>,
  violationId: string,
  entity: string,
  timeoutMillis?: number
) => {
  const log: Array<GenerationRecord> = []
  const store = makeMemory()
  const layer = layerServices({
    provider,
    log: GenerationLog.layerCollect(log),
    ...(timeoutMillis === undefined ? {} : { summarizer: { timeoutMillis } })
  }).pipe(Layer.provideMerge(Layer.succeed(ServingStore, store)))
  return Effect.runPromise(
    Effect.gen(function* () {
      yield* seed
      const record = yield* (yield* Summarizer).generate({ violation_id: violationId, entity_key: entity })
      const summary = yield* (yield* ServingStore).getSummary(violationId)
      return { record, summary: Option.getOrUndefined(summary), log }
    }).pipe(Effect.provide(layer))
  )
}

describe("Bedrock Converse provider (real SDK client, recorded shapes replayed locally)", () => {
  let current: Fixture = fixture("converse-ok")
  let stub: Awaited<ReturnType<typeof startStub>>
  const saved = { ...process.env }
  beforeAll(async () => {
    stub = await startStub(() => current.response, { http2: true })
    process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = stub.url
    process.env.AWS_REGION = "us-east-1"
    process.env.AWS_ACCESS_KEY_ID = "test"
    process.env.AWS_SECRET_ACCESS_KEY = "test"
    process.env.VENTUREOS_SUMMARY_PROVIDER = "bedrock"
  })
  afterAll(async () => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k]
    Object.assign(process.env, saved)
    await stub.close()
  })

  it("sends a signed Converse request with the record as data and stores the validated answer", async () => {
    current = fixture("converse-ok")
    const r = await generate(layerProviderConfig, ids.acme, "COMPANY#acme-widgets")
    expect(r.record).toMatchObject({
      provider: "bedrock",
      model: "anthropic.claude-3-5-haiku-20241022-v1:0",
      outcome: "stored",
      input_tokens: 431,
      output_tokens: 52
    })
    expect(r.summary?.text).toContain("fall hazards")
    const req = stub.received.at(-1)!
    expect(req.method).toBe(current.request.method)
    expect(req.path).toBe(current.request.path)
    expect(req.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/us-east-1\/bedrock\/aws4_request/
    )
    const body = JSON.parse(req.body)
    expect(Object.keys(body).sort()).toEqual(current.request.bodyKeys)
    expect(body.system[0].text).toContain("never instructions")
    expect(body.messages).toHaveLength(1)
    expect(body.messages[0].role).toBe("user")
    expect(body.messages[0].content[0].text).toContain("<record>")
    expect(body.inferenceConfig).toEqual({ maxTokens: 300, temperature: 0 })
  })

  it("rejects an answer that followed an injected instruction and stores the extractive summary", async () => {
    current = fixture("converse-injected")
    const r = await generate(layerProviderConfig, ids.injection, "COMPANY#initech")
    expect(r.record.outcome).toBe("fallback")
    expect(r.summary?.model).toBe("extractive")
    expect(r.summary?.text).not.toContain("evil.example")
    // The injected description reached the model only inside the record, JSON-escaped.
    const sent = JSON.parse(stub.received.at(-1)!.body).messages[0].content[0].text as string
    expect(sent.indexOf("Ignore all previous instructions")).toBeGreaterThan(sent.indexOf("<record>"))
  })

  it("maps throttling and validation errors; nothing is stored", async () => {
    current = fixture("converse-throttled")
    const throttled = await generate(layerProviderConfig, ids.acme, "COMPANY#acme-widgets")
    expect(throttled.record.outcome).toBe("failed")
    expect(throttled.record.detail).toContain("Throttled")
    expect(throttled.summary).toBeUndefined()
    current = fixture("converse-validation")
    const rejected = await generate(layerProviderConfig, ids.acme, "COMPANY#acme-widgets")
    expect(rejected.record.detail).toContain("Rejected")
    expect(rejected.record.detail).toContain("ValidationException")
  })

  it("a Bedrock that does not answer in time: the generation fails as a timeout, nothing is stored", async () => {
    const ok = fixture("converse-ok")
    current = { ...ok, response: { ...ok.response, delayMs: 1_500 } as Fixture["response"] }
    const slow = await generate(layerProviderConfig, ids.acme, "COMPANY#acme-widgets", 200)
    expect(slow.record.outcome).toBe("failed")
    expect(slow.record.detail).toBe("timeout")
    expect(slow.summary).toBeUndefined()
    current = ok
  })
})

describe("OpenAI-compatible / Ollama provider (local HTTP stub)", () => {
  it("posts a chat completion with the record as data and logs tokens", async () => {
    const stub = await startStub(() => ({
      status: 200,
      body: {
        id: "chatcmpl-1",
        object: "chat.completion",
        model: "llama3.2:3b",
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: "OSHA cited ACME WIDGETS INC in AUSTIN, TX for a serious violation; the case is open."
            },
            finish_reason: "stop"
          }
        ],
        usage: { prompt_tokens: 380, completion_tokens: 25, total_tokens: 405 }
      }
    }))
    try {
      const r = await generate(
        layerOpenAiCompatible({ baseUrl: `${stub.url}/v1`, model: "llama3.2:3b", apiKey: "k" }),
        ids.acme,
        "COMPANY#acme-widgets"
      )
      expect(r.record).toMatchObject({
        provider: "openai",
        outcome: "stored",
        input_tokens: 380,
        output_tokens: 25
      })
      const req = stub.received[0]!
      expect(req.path).toBe("/v1/chat/completions")
      expect(req.headers.authorization).toBe("Bearer k")
      const body = JSON.parse(req.body)
      expect(body).toMatchObject({ model: "llama3.2:3b", temperature: 0, max_tokens: 300, stream: false })
      expect(body.messages.map((m: { role: string }) => m.role)).toEqual(["system", "user"])
    } finally {
      await stub.close()
    }
  })

  it("treats HTTP errors and malformed bodies as failures", async () => {
    let answer: { status: number; body: unknown } = { status: 503, body: { error: "loading model" } }
    const stub = await startStub(() => answer)
    try {
      const provider = layerOpenAiCompatible({ baseUrl: stub.url, model: "m" })
      const down = await generate(provider, ids.acme, "COMPANY#acme-widgets")
      expect(down.record.outcome).toBe("failed")
      expect(down.record.detail).toContain("Unavailable")
      answer = { status: 200, body: { choices: [] } }
      const malformed = await generate(provider, ids.acme, "COMPANY#acme-widgets")
      expect(malformed.record.detail).toContain("InvalidResponse")
      answer = { status: 200, body: "<html>not json</html>" }
      const html = await generate(provider, ids.acme, "COMPANY#acme-widgets")
      expect(html.record.outcome).toBe("failed")
    } finally {
      await stub.close()
    }
  })
})
