import { request } from "node:http"
import { brotliDecompressSync, gunzipSync } from "node:zlib"
import { layerMemory } from "@ventureos/serving"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { docsEncoding, type RunningServer, serve } from "../../src/Serve"

/** The bundled docs page (3.2 MB): compressed by Accept-Encoding, cacheable, with the security headers. */
let server: RunningServer
beforeAll(async () => {
  server = await serve({ port: 0, layer: layerMemory(), web: false })
})
afterAll(async () => {
  await server?.close()
})

/** A raw GET (fetch would decompress and hide the encoding). */
const get = (path: string, headers: Record<string, string>) =>
  new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
    (ok, ko) => {
      const req = request(`${server.url}${path}`, { headers }, (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.on("end", () =>
          ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })
        )
      })
      req.on("error", ko)
      req.end()
    }
  )

describe("the docs page", () => {
  it("is sent as Brotli or gzip by Accept-Encoding, cacheable, with the security headers", async () => {
    const plain = await get("/docs", {})
    expect(plain.status).toBe(200)
    expect(plain.headers["content-encoding"]).toBeUndefined()
    expect(plain.body.length).toBeGreaterThan(1_000_000)
    const br = await get("/docs", { "accept-encoding": "gzip, deflate, br" })
    const gz = await get("/docs", { "accept-encoding": "gzip" })
    expect(br.headers["content-encoding"]).toBe("br")
    expect(gz.headers["content-encoding"]).toBe("gzip")
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true)
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true)
    expect(br.body.length).toBeLessThan(plain.body.length / 3)
    expect(gz.body.length).toBeLessThan(plain.body.length / 3)
    for (const r of [plain, br, gz]) {
      expect(r.headers).toMatchObject({
        "cache-control": "public, max-age=3600",
        vary: "accept-encoding",
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": "no-referrer"
      })
      expect(r.headers.etag).toBe(plain.headers.etag)
    }
    const again = await get("/docs", { "accept-encoding": "br", "if-none-match": String(plain.headers.etag) })
    expect(again.status).toBe(304)
    expect(again.body.length).toBe(0)
  }, 60_000)

  it("picks the encoding by q-values", () => {
    expect(docsEncoding(undefined)).toBeUndefined()
    expect(docsEncoding("identity")).toBeUndefined()
    expect(docsEncoding("br;q=0, gzip")).toBe("gzip")
    expect(docsEncoding("*")).toBe("br")
    expect(docsEncoding("gzip;q=0.5, br;q=0.1")).toBe("br")
    expect(docsEncoding("*;q=0")).toBeUndefined()
  })
})
