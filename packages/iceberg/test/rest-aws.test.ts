/**
 * The REST catalog client against the request and response shapes of AWS's two Iceberg REST endpoints, S3
 * Tables and Glue (`fixtures/rest/*.json`): each request must be the recorded method and exact raw path and
 * query (the prefix from the config answer used as the server gave it), carry the recorded body fields, and
 * be SigV4-signed for the endpoint's signing name (`s3tables` / `glue`) with a signature a server
 * recomputes from what it received; each recorded answer must map to the client's results and errors.
 */
import { createHash, createHmac } from "node:crypto"
import { readFileSync } from "node:fs"
import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { SignatureV4 } from "@smithy/signature-v4"
import { Effect } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import * as CatalogRest from "../src/CatalogRest"

interface Exchange {
  readonly name: string
  readonly request: {
    readonly method: string
    readonly path: string
    readonly bodyKeys?: ReadonlyArray<string>
  }
  readonly response: { readonly status: number; readonly body: unknown }
}
interface Fixture {
  readonly uri: string
  readonly warehouse: string
  readonly signingName: string
  readonly region: string
  readonly exchanges: ReadonlyArray<Exchange>
}

const load = (name: string): Fixture =>
  JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "rest", `${name}.json`), "utf8"))

const credentials = { accessKeyId: "AKIDFIXTURE", secretAccessKey: "fixture-secret" }

class Sha256 {
  private readonly h
  constructor(secret?: string | Uint8Array) {
    this.h = secret === undefined ? createHash("sha256") : createHmac("sha256", secret)
  }
  update(d: string | Uint8Array) {
    this.h.update(d)
  }
  digest() {
    return Promise.resolve(new Uint8Array(this.h.digest()))
  }
  reset() {}
}

/** What a server would check of a request's SigV4 signature; undefined when it holds. */
const verify = async (req: IncomingMessage, body: string, f: Fixture): Promise<string | undefined> => {
  const auth = String(req.headers.authorization ?? "")
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      auth
    )
  if (m === null) return `no SigV4 Authorization header: ${auth}`
  const [, key, , region, service, signedHeaders] = m
  if (key !== credentials.accessKeyId) return `signed with key ${key}`
  if (service !== f.signingName) return `signed for service ${service}, expected ${f.signingName}`
  if (region !== f.region) return `signed for region ${region}, expected ${f.region}`
  const signed = signedHeaders!.split(";")
  for (const h of ["host", "x-amz-content-sha256", "x-amz-date"])
    if (!signed.includes(h)) return `${h} is not signed`
  if (req.headers["x-amz-content-sha256"] !== createHash("sha256").update(body).digest("hex"))
    return "x-amz-content-sha256 is not the body's hash"
  // recompute the signature from the request as received (raw path, query, signed headers, body)
  const url = new URL(req.url ?? "/", "http://placeholder")
  const query: Record<string, string> = {}
  url.searchParams.forEach((v, k) => {
    query[k] = v
  })
  const headers: Record<string, string> = {}
  for (const h of signed) headers[h] = String(req.headers[h])
  const date = String(req.headers["x-amz-date"])
  const signer = new SignatureV4({
    service: f.signingName,
    region: f.region,
    credentials,
    sha256: Sha256 as never
  })
  const again = await signer.sign(
    {
      method: String(req.method),
      protocol: "http:",
      hostname: String(req.headers.host).split(":")[0]!,
      port: Number(String(req.headers.host).split(":")[1]),
      path: (req.url ?? "/").split("?")[0]!,
      query,
      headers,
      body
    } as never,
    {
      signingDate: new Date(
        `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`
      )
    }
  )
  const expected = (again as unknown as { headers: Record<string, string> }).headers.authorization
  return expected === auth ? undefined : `signature mismatch:\n  got      ${auth}\n  expected ${expected}`
}

/** Replays a fixture's exchanges in order; records every deviation. */
const replay = async (f: Fixture) => {
  let next = 0
  const problems: Array<string> = []
  const server = createServer(async (req, res) => {
    const chunks: Array<Buffer> = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks).toString("utf8")
    const x = f.exchanges[next++]
    if (x === undefined) {
      problems.push(`unexpected request ${req.method} ${req.url}`)
      res.writeHead(500).end()
      return
    }
    if (req.method !== x.request.method || req.url !== x.request.path)
      problems.push(`${x.name}: got ${req.method} ${req.url}, expected ${x.request.method} ${x.request.path}`)
    const bad = await verify(req, body, f)
    if (bad !== undefined) problems.push(`${x.name}: ${bad}`)
    if (x.request.bodyKeys !== undefined) {
      const sent = JSON.parse(body) as Record<string, unknown>
      for (const k of x.request.bodyKeys) if (!(k in sent)) problems.push(`${x.name}: body lacks ${k}`)
      if ("stage-create" in sent && sent["stage-create"] !== false) problems.push(`${x.name}: staged create`)
    }
    res.writeHead(x.response.status, { "content-type": "application/json" })
    res.end(JSON.stringify(x.response.body))
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  const port = (server.address() as AddressInfo).port
  return {
    uri: `http://127.0.0.1:${port}/iceberg`,
    problems,
    done: () => next === f.exchanges.length,
    close: () => new Promise<void>((r) => server.close(() => r()))
  }
}

let close: (() => Promise<void>) | undefined
afterEach(async () => {
  await close?.()
  close = undefined
})

describe.each(["s3tables", "glue"])(
  "Iceberg REST client against the %s endpoint's recorded shapes",
  (name) => {
    it("sends the documented requests, signed for its signing name, and maps the documented answers", async () => {
      const f = load(name)
      const server = await replay(f)
      close = server.close
      const catalog = CatalogRest.make({
        uri: server.uri,
        warehouse: f.warehouse,
        sigv4: { service: f.signingName, region: f.region, credentials }
      })
      const id = { namespace: ["silver"], name: "osha" }
      const schema = (f.exchanges[2]!.response.body as { metadata: { schemas: Array<never> } }).metadata
        .schemas[0]!
      const run = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(Effect.result(e))

      expect(await Effect.runPromise(catalog.tableExists(id))).toBe(false)
      const created = await Effect.runPromise(
        catalog.createTable(id, { schema, specs: [{ "spec-id": 0, fields: [] }] })
      )
      expect(created.metadataLocation).toMatch(/--table-s3\/metadata\/00000-0f1c\.metadata\.json$/)
      const uuid = created.metadata["table-uuid"]
      const commit = {
        requirements: [{ type: "assert-table-uuid" as const, uuid }],
        updates: [
          {
            action: "set-properties" as const,
            updates: { "ventureos.source": "bronze/daily/osha/2026/11/30/x.csv" }
          }
        ]
      }
      const committed = await Effect.runPromise(catalog.commitTable(id, commit))
      expect(committed.metadataLocation).toMatch(/00001-7d2e\.metadata\.json$/)
      expect(committed.metadata.properties["ventureos.source"]).toBe("bronze/daily/osha/2026/11/30/x.csv")
      const lost = await run(catalog.commitTable(id, commit))
      expect(lost._tag).toBe("Failure")
      if (lost._tag === "Failure") {
        expect(lost.failure.reason).toBe("CommitConflict")
        expect(lost.failure.detail).toContain("CommitFailedException")
      }
      expect(await Effect.runPromise(catalog.listTables(["silver"]))).toEqual([id])

      expect(server.problems).toEqual([])
      expect(server.done()).toBe(true)
    })
  }
)

describe("Iceberg REST client: the config prefix", () => {
  it("is used as the server gave it: S3 Tables' encoded ARN is not encoded twice, Glue's slash stays a separator", () => {
    const s3 = load("s3tables").exchanges
    const glue = load("glue").exchanges
    // the fixtures themselves say what the paths look like
    expect(s3[1]!.request.path).toContain(
      "/v1/arn%3Aaws%3As3tables%3Aus-east-1%3A111122223333%3Abucket%2Fventureos-dev-lake/namespaces/"
    )
    expect(s3[1]!.request.path).not.toContain("%25")
    expect(glue[1]!.request.path).toContain(
      "/v1/catalogs/111122223333:s3tablescatalog:ventureos-dev-lake/namespaces/"
    )
  })
})
