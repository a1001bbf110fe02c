import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Option } from "effect"
import type { BrandConfig } from "../../src/serving/BrandConfig"
import { layerEmbedded, layerLocal, startDynalite } from "../../src/serving/Embedded"
import { ServingStore } from "../../src/serving/ServingStore"
import { LOCAL_CREDENTIALS, layer } from "../../src/serving/ServingStoreDynamo"

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
})
