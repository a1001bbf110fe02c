import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Exit, Layer, Option, Scope } from "effect"
import type { BrandConfig } from "../src/BrandConfig"
import { endpointFile, layerEmbedded, layerLocal, startDynalite } from "../src/Embedded"
import { ServingStore } from "../src/ServingStore"
import { LOCAL_CREDENTIALS, layer } from "../src/ServingStoreDynamo"

const brand = {
  id: "oshatrail",
  name: "OSHA Trail",
  domain: null,
  colors: {
    primary: "#0a3d62",
    secondary: "#3c6382",
    accent: "#f6b93b",
    background: "#ffffff",
    text: "#111111"
  },
  layout: "feed",
  navigation: [],
  agencies: ["osha"],
  updated_at: "2026-01-01T00:00:00.000Z"
} as unknown as BrandConfig

const withStore = <A, E>(
  l: Layer.Layer<ServingStore, unknown>,
  f: (s: ServingStore["Service"]) => Effect.Effect<A, E>
) =>
  Effect.gen(function* () {
    return yield* f(yield* ServingStore)
  }).pipe(Effect.provide(l))

describe("embedded default", () => {
  it.live("persists under $VENTUREOS_HOME across restarts", () =>
    Effect.gen(function* () {
      const home = mkdtempSync(join(tmpdir(), "ventureos-home-"))
      try {
        yield* withStore(layerEmbedded({ home }), (s) => s.putBrand(brand))
        const again = yield* withStore(layerEmbedded({ home }), (s) => s.getBrand("oshatrail"))
        assert.deepStrictEqual(Option.getOrThrow(again), brand)
      } finally {
        rmSync(home, { recursive: true, force: true })
      }
    })
  )

  it.live("layerLocal starts dynalite under VENTUREOS_HOME when no endpoint is configured", () =>
    Effect.gen(function* () {
      const home = mkdtempSync(join(tmpdir(), "ventureos-home-"))
      try {
        const env = ConfigProvider.layer(ConfigProvider.fromEnvRecord({ VENTUREOS_HOME: home }))
        yield* withStore(layerLocal().pipe(Layer.provide(env)), (s) => s.putBrand(brand))
        const again = yield* withStore(layerEmbedded({ home }), (s) => s.getBrand("oshatrail"))
        assert.isTrue(Option.isSome(again))
      } finally {
        rmSync(home, { recursive: true, force: true })
      }
    })
  )

  it.live(
    "layerLocal uses AWS_ENDPOINT_URL_DYNAMODB when set (and the table prefix from the environment)",
    () =>
      Effect.gen(function* () {
        const server = yield* startDynalite()
        const env = ConfigProvider.layer(
          ConfigProvider.fromEnvRecord({
            AWS_ENDPOINT_URL_DYNAMODB: server.endpoint,
            VENTUREOS_TABLE_PREFIX: "VentureOS-test",
            VENTUREOS_FEED_SIZE: "2"
          })
        )
        const size = yield* withStore(layerLocal().pipe(Layer.provide(env)), (s) =>
          Effect.as(s.putBrand(brand), s.feedSize)
        )
        assert.strictEqual(size, 2)
        const direct = layer({
          endpoint: server.endpoint,
          region: "us-east-1",
          credentials: LOCAL_CREDENTIALS,
          tablePrefix: "VentureOS-test"
        })
        assert.isTrue(Option.isSome(yield* withStore(direct, (s) => s.getBrand("oshatrail"))))
      }).pipe(Effect.scoped)
  )

  it.live("a second opener of the same home shares the running server instead of failing on its lock", () =>
    Effect.gen(function* () {
      const home = mkdtempSync(join(tmpdir(), "ventureos-home-"))
      try {
        const scope = yield* Scope.make()
        const first = yield* Layer.buildWithScope(layerEmbedded({ home }), scope)
        const published = JSON.parse(readFileSync(endpointFile(home), "utf8"))
        assert.strictEqual(published.pid, process.pid)
        // The LevelDB under <home>/dynamodb is held by the first server: the second opener must connect to it.
        yield* withStore(layerEmbedded({ home }), (s) => s.putBrand(brand))
        const seen = yield* ServingStore.use((s) => s.getBrand("oshatrail")).pipe(Effect.provide(first))
        assert.isTrue(Option.isSome(seen))
        // Closing the second opener leaves the first server (and its published endpoint) alone.
        assert.isTrue(existsSync(endpointFile(home)))
        yield* Scope.close(scope, Exit.void)
        assert.isFalse(existsSync(endpointFile(home)))
      } finally {
        rmSync(home, { recursive: true, force: true })
      }
    })
  )

  it.live("an endpoint file left by a dead process is ignored and replaced", () =>
    Effect.gen(function* () {
      const home = mkdtempSync(join(tmpdir(), "ventureos-home-"))
      try {
        writeFileSync(
          endpointFile(home),
          JSON.stringify({
            endpoint: "http://127.0.0.1:9",
            pid: 2 ** 22 + 17,
            started_at: "2026-01-01T00:00:00Z"
          })
        )
        yield* withStore(layerEmbedded({ home }), (s) =>
          Effect.gen(function* () {
            yield* s.putBrand(brand)
            const published = JSON.parse(readFileSync(endpointFile(home), "utf8"))
            assert.strictEqual(published.pid, process.pid)
          })
        )
        assert.isFalse(existsSync(endpointFile(home)))
      } finally {
        rmSync(home, { recursive: true, force: true })
      }
    })
  )
})
