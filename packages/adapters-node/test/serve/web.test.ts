import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { request } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { layerMemory } from "@ventureos/serving"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fileWithin, type RunningServer, serve, WEB_NOT_BUILT } from "../../src/Serve"

// A build folder shaped like Vite's output, inside a parent holding a file that must never be served.
const parent = mkdtempSync(join(tmpdir(), "ventureos-web-"))
const dist = join(parent, "dist")
const INDEX =
  '<!doctype html><html><body><div id="app"></div><script type="module" src="/assets/index-AbC123.js"></script></body></html>'
let server: RunningServer
let bare: RunningServer

beforeAll(async () => {
  mkdirSync(join(dist, "assets"), { recursive: true })
  writeFileSync(join(dist, "index.html"), INDEX)
  writeFileSync(join(dist, "assets", "index-AbC123.js"), "console.log(1)\n")
  writeFileSync(join(dist, "assets", "index-AbC123.css"), "body{}\n")
  writeFileSync(join(dist, "favicon.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>")
  writeFileSync(join(dist, ".secret"), "hidden")
  writeFileSync(join(parent, "secret.txt"), "outside the build")
  server = await serve({ port: 0, layer: layerMemory(), web: dist, docs: "none" })
  bare = await serve({ port: 0, layer: layerMemory(), web: join(parent, "missing") })
})
afterAll(async () => {
  await server?.close()
  await bare?.close()
  rmSync(parent, { recursive: true, force: true })
})

/** A request with the path sent as written (fetch would normalise `..` and dot segments away). */
const raw = (port: number, path: string) =>
  new Promise<{ status: number; body: string }>((ok, ko) => {
    const req = request({ host: "127.0.0.1", port, path }, (r) => {
      let body = ""
      r.on("data", (d: Buffer) => {
        body += d.toString()
      })
      r.on("end", () => ok({ status: r.statusCode ?? 0, body }))
    })
    req.on("error", ko)
    req.end()
  })

describe("serve(): the dashboards on the API's origin", () => {
  it("answers / and client-side routes with index.html, revalidated on every load", async () => {
    expect(server.web).toBe(dist)
    for (const path of [
      "/",
      "/company/acme-widgets",
      "/city/austin-tx",
      "/state/tx?brand=oshatrail",
      "/search?q=acme",
      "/violations/osha%3Ax%3A1"
    ]) {
      const r = await fetch(`${server.url}${path}`)
      expect({ path, status: r.status }).toEqual({ path, status: 200 })
      expect(r.headers.get("content-type")).toBe("text/html; charset=utf-8")
      expect(r.headers.get("cache-control")).toBe("no-cache")
      expect(r.headers.get("content-security-policy")).toContain("script-src 'self'")
      expect(await r.text()).toBe(INDEX)
    }
    // Revalidation is cheap: the validator comes back, and a match answers 304 with no body.
    const first = await fetch(`${server.url}/`)
    const etag = first.headers.get("etag")
    await first.arrayBuffer()
    expect(etag).toBeTruthy()
    const again = await fetch(`${server.url}/state/tx`, { headers: { "if-none-match": etag! } })
    expect(again.status).toBe(304)
    expect(again.headers.get("cache-control")).toBe("no-cache")
  })

  it("serves hashed assets as immutable with their content types, and 404s missing ones (no HTML fallback)", async () => {
    const js = await fetch(`${server.url}/assets/index-AbC123.js`)
    expect(js.status).toBe(200)
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8")
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable")
    expect(await js.text()).toBe("console.log(1)\n")
    const css = await fetch(`${server.url}/assets/index-AbC123.css`)
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8")
    await css.arrayBuffer()
    const missing = await fetch(`${server.url}/assets/index-Gone.js`)
    expect(missing.status).toBe(404)
    expect(await missing.text()).not.toContain("<html")
    const icon = await fetch(`${server.url}/favicon.svg`)
    expect(icon.headers.get("content-type")).toBe("image/svg+xml")
    expect(icon.headers.get("cache-control")).toBe("no-cache")
    await icon.arrayBuffer()
  })

  it("answers /config.json with the API on the same origin when the build has none", async () => {
    const r = await fetch(`${server.url}/config.json`)
    expect(r.status).toBe(200)
    expect(r.headers.get("cache-control")).toBe("no-cache")
    expect(await r.json()).toEqual({ apiBaseUrl: "" })
    writeFileSync(join(dist, "config.json"), '{"apiBaseUrl":"https://api.example.org"}')
    const own = await fetch(`${server.url}/config.json`)
    expect(own.headers.get("cache-control")).toBe("no-cache")
    expect(await own.json()).toEqual({ apiBaseUrl: "https://api.example.org" })
    rmSync(join(dist, "config.json"))
  })

  it("keeps unknown /api/* paths JSON 404s and the API's own routes untouched", async () => {
    for (const [method, path] of [
      ["GET", "/api/nope"],
      ["GET", "/api/company"],
      ["POST", "/api/nope/summary"]
    ] as const) {
      const r = await fetch(`${server.url}${path}`, { method })
      expect({ method, path, status: r.status }).toEqual({ method, path, status: 404 })
      expect(r.headers.get("content-type")).toContain("application/json")
      expect(await r.json()).toMatchObject({ _tag: "RouteNotFoundError", path })
    }
    const company = await fetch(`${server.url}/api/company/nobody`)
    expect(await company.json()).toMatchObject({ _tag: "NotFoundError", resource: "company" })
    const openapi = await fetch(`${server.url}/openapi.json`)
    expect(openapi.headers.get("content-type")).toContain("application/json")
    await openapi.arrayBuffer()
    // docs turned off: /docs is not a dashboard route either
    expect((await fetch(`${server.url}/docs`)).status).toBe(404)
  })

  it("never serves a file outside the build, nor hidden files", async () => {
    for (const path of [
      "/../secret.txt",
      "/..%2fsecret.txt",
      "/%2e%2e/secret.txt",
      "/%2e%2e%2fsecret.txt",
      "/assets/..%2f..%2fsecret.txt",
      "/assets/%2e%2e/%2e%2e/secret.txt",
      "/..%5csecret.txt",
      "/%00",
      "/%E0%A4%A",
      "/.secret",
      "/assets/../.secret"
    ]) {
      const r = await raw(server.port, path)
      expect(r.body, path).not.toContain("outside the build")
      expect(r.body, path).not.toContain("hidden")
      expect(r.status, path).toBeLessThan(500)
    }
    expect(fileWithin(dist, "/a/../../secret.txt")).toBeUndefined()
    expect(fileWithin(dist, "/assets/x.js")).toBe(join(dist, "assets", "x.js"))
  })

  it("without a build: pages say how to build it, the API keeps working", async () => {
    expect(bare.web).toBeUndefined()
    const page = await fetch(`${bare.url}/company/acme`)
    expect(page.status).toBe(404)
    expect(await page.text()).toContain(WEB_NOT_BUILT)
    const api = await fetch(`${bare.url}/api/company/nobody`)
    expect(api.status).toBe(404)
    expect(await api.json()).toMatchObject({ _tag: "NotFoundError" })
    expect((await fetch(`${bare.url}/openapi.json`)).status).toBe(200)
  })
})
