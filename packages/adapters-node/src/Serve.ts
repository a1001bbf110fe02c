import { statSync } from "node:fs"
import { createServer } from "node:http"
import { createRequire } from "node:module"
import type { AddressInfo } from "node:net"
import { dirname, extname, join, relative, resolve, sep } from "node:path"
import { fileURLToPath } from "node:url"
import { brotliCompressSync, gzipSync, constants as zlib } from "node:zlib"
import { NodeHttpServer } from "@effect/platform-node"
import {
  docsCdn,
  etagOf,
  layerRoutes,
  layerServices,
  matchesIfNoneMatch,
  type ServicesOptions,
  TrustForwardedFor
} from "@ventureos/api"
import { layerProviderConfig } from "@ventureos/api/aws"
import { Api } from "@ventureos/api-contract"
import { ServingStore } from "@ventureos/serving"
import { Context, Effect, Exit, Layer, Option, Scope } from "effect"
import { HttpBody, HttpPlatform, HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiScalar, OpenApi } from "effect/http-api"
import { type Args, flagString, parseArgs, UsageError } from "./Args"
import { servingLayer } from "./Layers"

/**
 * The dashboards' build: the copy inside this package's own `dist/web` (the published CLI; its build copies
 * it there, see tsup.config.ts), else `@ventureos/web`'s `dist` folder (`pnpm --filter @ventureos/web build`
 * writes it); undefined when neither exists.
 */
export const defaultWebDir = (): string | undefined => {
  // from the bundled dist/*.js this is dist/web; from src/ it does not exist
  const bundled = join(dirname(fileURLToPath(import.meta.url)), "web")
  if (hasWebBuild(bundled)) return bundled
  try {
    return join(dirname(createRequire(import.meta.url).resolve("@ventureos/web/package.json")), "dist")
  } catch {
    return undefined
  }
}

/** What to print when a folder holds no dashboard build. */
export const WEB_NOT_BUILT = "dashboard not built: run pnpm --filter @ventureos/web build"

/** Whether `dir` holds a dashboard build (its `index.html`). */
export const hasWebBuild = (dir: string): boolean => isFile(join(dir, "index.html"))

const isFile = (path: string): boolean => {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** Hashed file names never change content: cache them for a year. */
const IMMUTABLE = "public, max-age=31536000, immutable"
/** index.html, config.json and other unhashed files: always revalidate, so a new build shows at once. */
const NO_CACHE = "no-cache"
const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".webmanifest": "application/manifest+json"
}
/**
 * The page may run only its own scripts: agency text rendered by mistake as HTML still cannot execute.
 * Inline styles stay allowed (brand colours are set as CSS custom properties); the API may live on
 * another origin (`config.json`'s `apiBaseUrl`).
 */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self' data:; connect-src *; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"

/**
 * The file under `root` a URL path names, or undefined when it is malformed or would leave `root`
 * (`..`, encoded separators, NUL) or names a hidden file.
 */
export const fileWithin = (root: string, urlPath: string): string | undefined => {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return undefined
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return undefined
  const segments = decoded.split("/").filter((s) => s !== "")
  if (segments.some((s) => s.startsWith("."))) return undefined
  const full = resolve(root, ...segments)
  const rel = relative(root, full)
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !rel.startsWith(sep))
    ? full
    : undefined
}

/** The API's routes as (pattern, methods), from its own OpenAPI document: one source of truth. */
const apiRoutes = (() => {
  let routes: ReadonlyArray<{ readonly pattern: RegExp; readonly methods: ReadonlyArray<string> }> | undefined
  return () =>
    (routes ??= Object.entries(OpenApi.fromApi(Api).paths).map(([path, item]) => ({
      pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, "[^/]+")}$`),
      methods: Object.keys(item as object).map((m) => m.toUpperCase())
    })))
})()

/** A request path as echoed in an error body: at most 200 characters. */
const shown = (path: string) => (path.length > 200 ? `${path.slice(0, 200)}…` : path)

/**
 * What no API endpoint served, answered in the API's error style: 405 (with `Allow`) when the path exists
 * for other methods, 400 when it exists for this method but a segment is beyond what the router accepts
 * (e.g. a 10 KB id), else 404. Bodies echo at most 200 characters of the path.
 */
const apiRouteNotFound = (method: string, path: string) => {
  let decoded = path
  try {
    decoded = decodeURIComponent(path)
  } catch {
    // keep it encoded
  }
  const allowed = [...new Set(apiRoutes().flatMap((r) => (r.pattern.test(path) ? r.methods : [])))]
  if (allowed.length > 0 && !allowed.includes(method)) {
    // (The API's routes answer GET/POST only; HEAD is not routed to them, so it is not offered either.)
    const allow = [...allowed, "OPTIONS"].join(", ")
    return HttpServerResponse.jsonUnsafe(
      {
        _tag: "MethodNotAllowedError",
        method,
        path: shown(path),
        allow,
        message: `${method} is not allowed here: use ${allow}`
      },
      { status: 405, headers: { allow } }
    )
  }
  if (allowed.length > 0)
    return HttpServerResponse.jsonUnsafe(
      {
        _tag: "InvalidRequestError",
        field: "path",
        value: shown(decoded),
        reason: "a path segment is longer than the API accepts (ids are at most 100 characters)"
      },
      { status: 400 }
    )
  return HttpServerResponse.jsonUnsafe(
    {
      _tag: "RouteNotFoundError",
      method,
      path: shown(path),
      message: `no API endpoint ${method} ${shown(path)}`
    },
    { status: 404 }
  )
}

/** How long browsers and proxies may keep the docs page (it changes only with a new server version). */
export const DOCS_CACHE_CONTROL = "public, max-age=3600"

/** The encoding a request accepts that the docs are sent in: Brotli, else gzip, else none (RFC 9110 q=0 refuses). */
export const docsEncoding = (acceptEncoding: string | undefined): "br" | "gzip" | undefined => {
  const offered = new Map<string, number>()
  for (const part of (acceptEncoding ?? "").toLowerCase().split(",")) {
    const [name, ...params] = part.trim().split(";")
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined)
    if (name) offered.set(name, q === undefined ? 1 : Number(q))
  }
  const ok = (e: string) => (offered.get(e) ?? offered.get("*") ?? 0) > 0
  return ok("br") ? "br" : ok("gzip") ? "gzip" : undefined
}

const compressedDocs = new Map<string, Uint8Array>()

/**
 * The docs page (3.2 MB of bundled Scalar) compressed by `Accept-Encoding` (Brotli ~0.5 MB, gzip ~0.8 MB;
 * each compressed once per body and kept), with an ETag, `Cache-Control` and `Vary: Accept-Encoding`; a
 * matching `If-None-Match` gets a 304. The security headers middleware adds its headers to these too.
 */
export const DocsCompressionMiddleware = HttpRouter.middleware(
  (app) =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const response = yield* app
      const path = request.url.split("?")[0] ?? request.url
      if (path !== "/docs" || (request.method !== "GET" && request.method !== "HEAD")) return response
      if (response.status !== 200 || response.body._tag !== "Uint8Array") return response
      const body = response.body.body
      const etag = etagOf(body)
      const headers = { etag, "cache-control": DOCS_CACHE_CONTROL, vary: "accept-encoding" }
      if (matchesIfNoneMatch(request.headers["if-none-match"], etag))
        return HttpServerResponse.empty({ status: 304, headers })
      const encoding = docsEncoding(request.headers["accept-encoding"])
      if (encoding === undefined) return HttpServerResponse.setHeaders(response, headers)
      const key = `${encoding}${etag}`
      let packed = compressedDocs.get(key)
      if (packed === undefined) {
        packed =
          encoding === "br"
            ? brotliCompressSync(body, {
                params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length }
              })
            : gzipSync(body, { level: 9 })
        if (compressedDocs.size > 8) compressedDocs.clear()
        compressedDocs.set(key, packed)
      }
      return HttpServerResponse.setHeaders(
        HttpServerResponse.setBody(response, HttpBody.uint8Array(packed, response.body.contentType)),
        { ...headers, "content-encoding": encoding }
      )
    }),
  { global: true }
)

/**
 * The dashboards on the API's router (same origin): `/assets/*` immutable, `/config.json` and other
 * files of the build revalidated, every other path outside `/api/`, `/docs` and `/openapi.json` answered
 * with `index.html` (client-side routes). Unknown `/api/*` paths get a JSON 404 whether or not a build
 * is served. The folder is read on each request, so a rebuild shows without a restart.
 */
export const layerWeb = (options: { readonly dir?: string | undefined } = {}) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const router = yield* HttpRouter.HttpRouter
      const platform = yield* HttpPlatform.HttpPlatform
      const root = options.dir === undefined ? undefined : resolve(options.dir)
      const notFound = HttpServerResponse.text("not found\n", { status: 404 })
      const sendFile = (
        request: HttpServerRequest.HttpServerRequest,
        file: string,
        headers: Record<string, string>
      ) =>
        platform
          .fileResponse(file, {
            contentType: CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
            headers: { "x-content-type-options": "nosniff", ...headers }
          })
          .pipe(
            Effect.map((response) => {
              const etag = response.headers.etag
              return etag !== undefined && request.headers["if-none-match"] === etag
                ? HttpServerResponse.empty({ status: 304, headers: { etag, ...headers } })
                : response
            }),
            Effect.catch(() => Effect.succeed(notFound))
          )
      const handler = (request: HttpServerRequest.HttpServerRequest) => {
        const path = request.url.split("?")[0] ?? "/"
        if (path === "/api" || path.startsWith("/api/"))
          return Effect.succeed(apiRouteNotFound(request.method, path))
        if (root === undefined || path === "/openapi.json" || path === "/docs" || path.startsWith("/docs/"))
          return Effect.succeed(notFound)
        const file = fileWithin(root, path)
        if (file === undefined) return Effect.succeed(notFound)
        if (path.startsWith("/assets/"))
          return isFile(file)
            ? sendFile(request, file, { "cache-control": IMMUTABLE })
            : Effect.succeed(notFound)
        if (path === "/config.json" && !isFile(file))
          return Effect.succeed(
            HttpServerResponse.jsonUnsafe({ apiBaseUrl: "" }, { headers: { "cache-control": NO_CACHE } })
          )
        if (path !== "/" && path !== "/index.html" && isFile(file))
          return sendFile(request, file, { "cache-control": NO_CACHE })
        const index = join(root, "index.html")
        if (!isFile(index))
          return Effect.succeed(HttpServerResponse.text(`${WEB_NOT_BUILT}\n`, { status: 404 }))
        return sendFile(request, index, { "cache-control": NO_CACHE, "content-security-policy": CSP })
      }
      // Every method: unknown API routes get a JSON answer (404/405/400), pages accept only GET and HEAD.
      yield* router.add("*", "/*", (request) =>
        request.method === "GET" || request.method === "HEAD" || request.url.startsWith("/api")
          ? handler(request)
          : Effect.succeed(
              request.method === "OPTIONS"
                ? HttpServerResponse.empty({ status: 204, headers: { allow: "GET, HEAD, OPTIONS" } })
                : HttpServerResponse.text(`${request.method} is not allowed here: use GET\n`, {
                    status: 405,
                    headers: { allow: "GET, HEAD, OPTIONS" }
                  })
            )
      )
    })
  )

/** Options of {@link serve}. */
export interface ServeOptions {
  /** 0 picks a free port. */
  readonly port: number
  /** Default 127.0.0.1. */
  readonly host?: string
  /** The serving store to read (e.g. `layerMemory()`, `ServingStoreDynamo.layerLocal()`). */
  readonly layer: Layer.Layer<ServingStore, unknown>
  /** Summary loop pieces (provider, lease, rate limiter, budgets); local defaults otherwise. */
  readonly services?: ServicesOptions
  /** Human docs at `/docs`: the Scalar bundle shipped with effect (default, works offline), its CDN, or none. */
  readonly docs?: "bundled" | "cdn" | "none"
  /** Take the client address from `X-Forwarded-For` (behind a proxy). Default false. */
  readonly trustForwardedFor?: boolean
  /** Log each request (default false). */
  readonly logRequests?: boolean
  /**
   * The dashboards' build folder served at `/` (default: {@link defaultWebDir}); `false` serves the API
   * alone. A folder without a build answers its pages with a 404 saying how to build it.
   */
  readonly web?: string | false
}

/** A running server. */
export interface RunningServer {
  /** `http://host:port`. */
  readonly url: string
  readonly port: number
  /** The dashboards' folder when it holds a build, else undefined (see {@link WEB_NOT_BUILT}). */
  readonly web: string | undefined
  /** Stop accepting requests, interrupt background summaries, release the store. */
  readonly close: () => Promise<void>
}

/**
 * Serve the VentureOS API over any ServingStore layer with Node's HTTP server.
 *
 * ```ts
 * import { layerMemory } from "@ventureos/serving"
 * const server = await serve({ port: 0, layer: layerMemory() })
 * await fetch(`${server.url}/api/company/tesla`)
 * await server.close()
 * ```
 */
export const serve = async (options: ServeOptions): Promise<RunningServer> => {
  const host = options.host ?? "127.0.0.1"
  let address: AddressInfo | undefined
  const webDir =
    options.web === false ? undefined : options.web === undefined ? defaultWebDir() : resolve(options.web)
  const app = HttpRouter.serve(
    Layer.mergeAll(
      layerRoutes(
        options.docs === "none"
          ? {}
          : { docs: options.docs === "cdn" ? docsCdn() : HttpApiScalar.layer(Api, { path: "/docs" }) }
      ),
      layerWeb({ dir: webDir }),
      DocsCompressionMiddleware
    ),
    {
      disableListenLog: true,
      disableLogger: options.logRequests !== true
    }
  ).pipe(
    Layer.provide(layerServices(options.services)),
    Layer.provide(Layer.succeed(TrustForwardedFor, options.trustForwardedFor ?? false)),
    Layer.provide(options.layer),
    Layer.provide(
      NodeHttpServer.layer(
        () => {
          const server = createServer()
          server.once("listening", () => {
            address = server.address() as AddressInfo
          })
          return server
        },
        { port: options.port, host }
      )
    )
  )
  const scope = Effect.runSync(Scope.make())
  const exit = await Effect.runPromiseExit(Layer.buildWithScope(app, scope))
  if (Exit.isFailure(exit)) {
    await Effect.runPromise(Scope.close(scope, exit))
    const text = String(exit.cause)
    if (text.includes("EADDRINUSE"))
      throw new UsageError(
        `port ${options.port} on ${host} is in use: pick another with --port (0 picks a free one), or stop what listens there`
      )
    if (text.includes("EACCES"))
      throw new UsageError(`not allowed to listen on ${host}:${options.port}: use a port above 1023`)
    throw new Error(`cannot start the API server: ${text}`)
  }
  if (address === undefined) throw new Error("the API server did not report its address")
  const port = address.port
  const shownHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host
  let closed: Promise<void> | undefined
  return {
    url: `http://${shownHost}:${port}`,
    port,
    web: webDir !== undefined && hasWebBuild(webDir) ? webDir : undefined,
    close: () => {
      closed ??= Effect.runPromise(Scope.close(scope, Exit.void))
      return closed
    }
  }
}

/** Example URLs from what the store holds: a company, a city, a state, a brand config. */
export const exampleUrls = (url: string) =>
  Effect.gen(function* () {
    const store = yield* ServingStore
    const out: Array<string> = [`${url}/docs`, `${url}/openapi.json`]
    const top = yield* store.getTopList("national", "count")
    const first = Option.getOrUndefined(top)?.entries[0]
    if (first !== undefined) {
      const slug = first.entity_key.slice("COMPANY#".length)
      out.push(`${url}/api/company/${slug}`)
      const feed = yield* store.getFeed(first.entity_key)
      const item = feed[0]
      if (item?.city_slug != null) out.push(`${url}/api/city/${item.city_slug}`)
      if (item?.state != null) out.push(`${url}/api/state/${item.state.toLowerCase()}`)
      if (item !== undefined)
        out.push(
          `${url}/api/violations/${encodeURIComponent(item.violation_id)}?entity=${encodeURIComponent(item.entity_key)}`
        )
    }
    out.push(`${url}/api/top?scope=national&by=penalties`)
    const brands = yield* store.listBrands
    if (brands[0] !== undefined) out.push(`${url}/api/config/${brands[0].id}`)
    return out
  })

/** Dashboard URLs: the site once per stored brand (`?brand=<id>`), or the bare site when there is none. */
export const dashboardUrls = (url: string) =>
  Effect.gen(function* () {
    const brands = yield* (yield* ServingStore).listBrands
    return brands.length === 0 ? [`${url}/`] : brands.map((b) => `${url}/?brand=${b.id}`)
  })

const USAGE = `usage: ventureos serve [--port 8787] [--host 127.0.0.1] [--web <dir>]

Serve the API v2 over the serving store (AWS_ENDPOINT_URL_DYNAMODB when set, else the embedded store under
$VENTUREOS_HOME), with /openapi.json and /docs, and the dashboards at / (--web: their build folder, default
the @ventureos/web package's dist). Summaries: VENTUREOS_SUMMARY_PROVIDER=extractive (default) | bedrock |
openai.`

/** `ventureos serve [--port 8787] [--host h] [--web dir]`: runs until SIGINT/SIGTERM; returns the exit code. */
export const serveCommand = async (argv: ReadonlyArray<string> | Args): Promise<number> => {
  const args = Array.isArray(argv) ? parseArgs(argv as ReadonlyArray<string>) : (argv as Args)
  if (args.flags.has("help")) {
    process.stderr.write(`${USAGE}\n`)
    return 0
  }
  const portFlag = flagString(args, "port") ?? process.env.PORT ?? "8787"
  const port = Number(portFlag)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0..65535, got ${portFlag}`)
  const host = flagString(args, "host") ?? "127.0.0.1"
  const web = flagString(args, "web")
  // One store for the server and for printing examples: build it once, share it.
  const storeScope = Effect.runSync(Scope.make())
  const storeContext = await Effect.runPromise(Layer.buildWithScope(servingLayer(), storeScope))
  const store = Layer.succeedContext(storeContext)
  const server = await serve({
    port,
    host,
    ...(web === undefined ? {} : { web }),
    layer: store,
    services: { provider: layerProviderConfig }
  }).catch(async (e: unknown) => {
    // Release the store (and the embedded DynamoDB it may have started) or the process would never exit.
    await Effect.runPromise(Scope.close(storeScope, Exit.void))
    throw e
  })
  const [urls, dashboards] = await Effect.runPromise(
    Effect.all([exampleUrls(server.url), dashboardUrls(server.url)]).pipe(
      Effect.provideService(ServingStore, Context.get(storeContext, ServingStore))
    )
  )
  const shown = server.web === undefined ? [] : dashboards
  process.stderr.write(
    `VentureOS API listening on ${server.url}\n${
      server.web === undefined
        ? `${WEB_NOT_BUILT}\n`
        : `Dashboards:\n${shown.map((u) => `  ${u}`).join("\n")}\n`
    }Try:\n${urls.map((u) => `  ${u}`).join("\n")}\n`
  )
  process.stdout.write(`${JSON.stringify({ url: server.url, dashboards: shown, examples: urls })}\n`)
  await new Promise<void>((done) => {
    const stop = () => done()
    process.once("SIGINT", stop)
    process.once("SIGTERM", stop)
  })
  await server.close()
  await Effect.runPromise(Scope.close(storeScope, Exit.void))
  return 0
}
