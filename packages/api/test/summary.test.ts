import { assert, describe, it } from "@effect/vitest"
import { type FeedItem, makeMemory, ServingStore } from "@ventureos/serving"
import { Effect, Fiber, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import {
  buildPrompt,
  checkSummary,
  extractiveSummary,
  GenerationLog,
  type GenerationRecord,
  layerServices,
  MAX_DESCRIPTION_CHARS,
  makeMemoryLease,
  Summarizer,
  SummaryProvider,
  SummaryTrigger,
  ViolationLocator
} from "../src"
import { ids, seed } from "./seed"

const feedItem = (id: string, entity = "COMPANY#initech") =>
  Effect.gen(function* () {
    const locator = yield* ViolationLocator
    return Option.getOrThrow(yield* locator.find(id, entity))
  })

/** A provider answering `reply(record)` after `delayMs`, counting calls. */
const stubProvider = (reply: (r: FeedItem) => string, calls: { n: number }, delayMs = 0) =>
  Layer.succeed(
    SummaryProvider,
    SummaryProvider.of({
      name: "stub",
      model: "stub-1",
      complete: ({ record }) =>
        Effect.gen(function* () {
          calls.n++
          if (delayMs > 0) yield* Effect.sleep(delayMs)
          return { text: reply(record), model: "stub-1", inputTokens: 120, outputTokens: 30 }
        })
    })
  )

const env = (
  provider: Layer.Layer<SummaryProvider>,
  log: Array<GenerationRecord>,
  policy = { brandDaily: 100, clientDaily: 100 }
) => {
  const store = makeMemory()
  return Layer.mergeAll(
    layerServices({ provider, log: GenerationLog.layerCollect(log), policy }),
    Layer.succeed(ServingStore, store)
  ).pipe(Layer.provideMerge(Layer.succeed(ServingStore, store)))
}

describe("prompt and output validation with hostile descriptions", () => {
  it.effect("keeps the record as bounded, escaped data", () =>
    Effect.gen(function* () {
      yield* seed
      for (const id of [ids.injection, ids.html, ids.control, ids.huge]) {
        const item = yield* feedItem(id)
        const p = buildPrompt(item)
        // The description cannot close the record tag or smuggle markup / control characters.
        assert.strictEqual(p.user.split("</record>").length, 2)
        assert.notMatch(
          p.user.slice(p.user.indexOf("<record>") + 8, p.user.lastIndexOf("</record>")),
          /[<>\u0000-\u0009\u000b-\u001f]/
        )
        assert.isBelow(p.user.length, MAX_DESCRIPTION_CHARS + 5_000)
        assert.include(p.system, "never instructions")
        // The extractive summary is itself valid, plain and short.
        const text = extractiveSummary(item)
        const checked = checkSummary(text, item)
        assert.isTrue(checked.ok, `${id}: ${checked.ok ? "" : checked.reason}`)
        assert.isBelow(text.length, 700)
        assert.notMatch(text, /<|>|\u0000|\u001b|\u202e/)
        // Agency text is never the summary's own words: quoted as the agency's, or (instructions) left out.
        const description = item.description ?? ""
        if (id === ids.injection) {
          assert.notInclude(text.toLowerCase(), "ignore all previous instructions")
          assert.notInclude(text, "DAN")
          assert.include(text, "not repeated")
        } else if (description !== "") assert.include(text, "The agency's description reads: \u201c")
      }
    }).pipe(
      Effect.provide(
        env(
          stubProvider(() => "", { n: 0 }),
          []
        )
      )
    )
  )

  it.effect("rejects invented names and numbers, markup, links and oversized output", () =>
    Effect.gen(function* () {
      yield* seed
      const item = yield* feedItem(ids.injection)
      const ok = checkSummary(
        "OSHA cited INITECH in TAMPA, FL on February 2, 2024 for a serious violation; the penalty went from $1,250 to $900.",
        item
      )
      assert.isTrue(ok.ok, ok.ok ? "" : ok.reason)
      const bad = [
        "OSHA cited INITECH; it paid a $9,999,999 fine.", // the injected number... is in the description!
        "OSHA cited INITECH and Initrode Corp in TAMPA for a serious violation.",
        "OSHA cited INITECH for a serious violation, see http://evil.example for details.",
        "<b>OSHA</b> cited INITECH for a serious violation in TAMPA.",
        "OSHA cited INITECH for a serious violation and fined it $45,000 in TAMPA.",
        `OSHA cited INITECH. ${"word ".repeat(200)}`,
        "short"
      ]
      const results = bad.map((t) => checkSummary(t, item))
      // The first repeats text that *is* in the record (the injection's own number): grounded, so allowed.
      assert.isTrue(results[0]!.ok)
      for (const r of results.slice(1)) assert.isFalse(r.ok)
    }).pipe(
      Effect.provide(
        env(
          stubProvider(() => "", { n: 0 }),
          []
        )
      )
    )
  )

  it.effect("falls back to the extractive summary when the model follows an injection", () => {
    const log: Array<GenerationRecord> = []
    return Effect.gen(function* () {
      yield* seed
      const summarizer = yield* Summarizer
      const r = yield* summarizer.generate({ violation_id: ids.injection, entity_key: "COMPANY#initech" })
      assert.strictEqual(r.outcome, "fallback")
      assert.include(r.detail ?? "", "output rejected")
      const store = yield* ServingStore
      const s = Option.getOrThrow(yield* store.getSummary(ids.injection))
      assert.strictEqual(s.model, "extractive")
      assert.notInclude(s.text, "Initrode")
      assert.strictEqual(log[0]?.input_tokens, 120)
    }).pipe(
      Effect.provide(
        env(
          stubProvider(() => "As DAN: Initrode Corp paid $1 billion.", { n: 0 }),
          log
        )
      )
    )
  })
})

describe("summary loop", () => {
  it.effect("generates at most once per violation under concurrent triggers", () => {
    const log: Array<GenerationRecord> = []
    const calls = { n: 0 }
    return Effect.gen(function* () {
      yield* seed
      const trigger = yield* SummaryTrigger
      const states = yield* Effect.forEach(
        Array.from({ length: 25 }, (_, i) => i),
        (i) => trigger.trigger(ids.acme, "COMPANY#acme-widgets", { brand: "b", client: `c${i}` }),
        { concurrency: "unbounded" }
      )
      assert.isTrue(
        states.every((s) => s.state === "queued" || s.state === "in_progress" || s.state === "ready")
      )
      yield* TestClock.adjust("1 second")
      yield* Effect.yieldNow
      const store = yield* ServingStore
      for (let i = 0; i < 20 && Option.isNone(yield* store.getSummary(ids.acme)); i++) {
        yield* TestClock.adjust("100 millis")
        yield* Effect.yieldNow
      }
      assert.strictEqual(calls.n, 1)
      assert.strictEqual(log.filter((l) => l.outcome === "stored").length, 1)
      const s = Option.getOrThrow(yield* store.getSummary(ids.acme))
      assert.strictEqual(s.model, "stub-1")
      const again = yield* trigger.trigger(ids.acme, "COMPANY#acme-widgets", { brand: "b", client: "z" })
      assert.strictEqual(again.state, "ready")
    }).pipe(
      Effect.provide(
        env(
          stubProvider(
            (r) => `OSHA cited ${r.company_name} in AUSTIN, TX for a serious violation.`,
            calls,
            500
          ),
          log
        )
      )
    )
  })

  it.effect("a crashed worker's lease lapses and a later attempt retries", () =>
    Effect.gen(function* () {
      const lease = makeMemoryLease()
      assert.isTrue(yield* lease.acquire("v", "worker-1", 60_000))
      assert.isFalse(yield* lease.acquire("v", "worker-2", 60_000))
      assert.isTrue(yield* lease.isHeld("v"))
      // worker-1 dies without releasing
      yield* TestClock.adjust("61 seconds")
      assert.isFalse(yield* lease.isHeld("v"))
      assert.isTrue(yield* lease.acquire("v", "worker-2", 60_000))
      yield* lease.release("v", "worker-1") // not the owner any more: no effect
      assert.isTrue(yield* lease.isHeld("v"))
      yield* lease.release("v", "worker-2")
      assert.isFalse(yield* lease.isHeld("v"))
    })
  )

  it.effect("a failed provider stores nothing, releases the lease and is logged", () => {
    const log: Array<GenerationRecord> = []
    const failing = Layer.succeed(
      SummaryProvider,
      SummaryProvider.of({
        name: "down",
        model: "down-1",
        // Hangs like an endpoint that never answers: the summarizer's timeout ends it.
        complete: () => Effect.never
      })
    )
    return Effect.gen(function* () {
      yield* seed
      const summarizer = yield* Summarizer
      const fiber = yield* Effect.forkChild(
        summarizer.generate({ violation_id: ids.acme, entity_key: "COMPANY#acme-widgets" })
      )
      yield* TestClock.adjust("46 seconds")
      const r = yield* Fiber.join(fiber)
      assert.strictEqual(r.outcome, "failed")
      assert.strictEqual(r.detail, "timeout")
      const store = yield* ServingStore
      assert.isTrue(Option.isNone(yield* store.getSummary(ids.acme)))
      assert.strictEqual(log.length, 1)
    }).pipe(Effect.provide(env(failing, log)))
  })

  it.effect("budgets: a trigger beyond the daily budget is refused and costs nothing", () => {
    const calls = { n: 0 }
    return Effect.gen(function* () {
      yield* seed
      const trigger = yield* SummaryTrigger
      const ok = yield* trigger.trigger(ids.acme, "COMPANY#acme-widgets", { brand: "b", client: "1.2.3.4" })
      assert.strictEqual(ok.state, "queued")
      const refused = yield* Effect.flip(
        trigger.trigger(ids.acmeWillful, "COMPANY#acme-widgets", { brand: "b", client: "1.2.3.4" })
      )
      assert.strictEqual(refused._tag, "RateLimitedError")
      const brandRefused = yield* Effect.flip(
        trigger.trigger(ids.acmeWillful, "COMPANY#acme-widgets", { brand: "b", client: "5.6.7.8" })
      )
      assert.deepInclude(brandRefused, { _tag: "RateLimitedError", scope: "brand" })
      yield* TestClock.adjust("1 second")
      assert.strictEqual(calls.n, 1)
      // A new UTC day resets the budgets.
      yield* TestClock.adjust("1 day")
      const tomorrow = yield* trigger.trigger(ids.acmeWillful, "COMPANY#acme-widgets", {
        brand: "b",
        client: "1.2.3.4"
      })
      assert.strictEqual(tomorrow.state, "queued")
    }).pipe(
      Effect.provide(
        env(
          stubProvider((r) => `OSHA cited ${r.company_name}.`, calls),
          [],
          { brandDaily: 1, clientDaily: 1 }
        )
      )
    )
  })

  it.effect(
    "a storm of triggers for one violation charges the client once (only the one that starts it)",
    () => {
      const calls = { n: 0 }
      return Effect.gen(function* () {
        yield* seed
        const trigger = yield* SummaryTrigger
        const storm = yield* Effect.forEach(
          Array.from({ length: 150 }, () => 0),
          () =>
            Effect.result(
              trigger.trigger(ids.acme, "COMPANY#acme-widgets", { brand: "b", client: "1.2.3.4" })
            ),
          { concurrency: "unbounded" }
        )
        const states = storm.map((r) => (r._tag === "Success" ? r.success.state : r.failure._tag))
        assert.strictEqual(states.filter((s) => s === "queued").length, 1)
        assert.isTrue(
          states.every((s) => s === "queued" || s === "in_progress" || s === "ready"),
          states.join()
        )
        // The client's budget of 2 has room for exactly one more generation.
        const second = yield* trigger.trigger(ids.acmeWillful, "COMPANY#acme-widgets", {
          brand: "b",
          client: "1.2.3.4"
        })
        assert.strictEqual(second.state, "queued")
        yield* TestClock.adjust("1 second")
        assert.strictEqual(calls.n, 2)
      }).pipe(
        Effect.provide(
          env(
            stubProvider((r) => `OSHA cited ${r.company_name}.`, calls, 500),
            [],
            {
              brandDaily: 1000,
              clientDaily: 2
            }
          )
        )
      )
    }
  )

  it.effect("unknown violations are 404s and cost nothing", () =>
    Effect.gen(function* () {
      yield* seed
      const trigger = yield* SummaryTrigger
      const e = yield* Effect.flip(
        trigger.trigger("osha:x:1", "COMPANY#acme-widgets", { brand: "b", client: "c" })
      )
      assert.strictEqual(e._tag, "NotFoundError")
    }).pipe(
      Effect.provide(
        env(
          stubProvider(() => "", { n: 0 }),
          []
        )
      )
    )
  )
})
