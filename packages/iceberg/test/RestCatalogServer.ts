/**
 * A small Iceberg REST catalog for tests. It applies commits with the same pure `applyCommit` the library
 * uses, enforces requirements (409 CommitFailedException on a stale `assert-ref-snapshot-id`), checks SigV4
 * headers when asked to, writes `vN.metadata.json` + `version-hint.text` for file: locations (so icebird can
 * read the tables), and can inject faults (a commit that lands but answers 503).
 */
import { createHash, randomUUID } from "node:crypto"
import * as fs from "node:fs/promises"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import * as path from "node:path"
import { toLocalPath } from "../src/FileIO"
import { applyCommit, type TableCommit } from "../src/spec/Commit"
import {
  decodeTableMetadataValue,
  encodeTableMetadata,
  parseJsonBigInt,
  stringifyJsonBigInt
} from "../src/spec/Json"
import { newTableMetadata, type TableMetadata } from "../src/spec/Metadata"
import type { IcebergSchema } from "../src/spec/Schema"
import type { PartitionSpec } from "../src/spec/Transforms"

export interface RestServerOptions {
  /** Table locations are `<warehouse>/<ns>/<name>` (file: or s3: URI). */
  readonly warehouse: string
  readonly prefix?: string
  /** Require SigV4 for this signing service. */
  readonly sigv4Service?: string
}

export interface RestServer {
  readonly url: string
  readonly close: () => Promise<void>
  /** Make the next commit land and then answer 503 (unknown outcome for the client). */
  failNextCommitAfterApply: boolean
  commits: number
  conflicts: number
}

type Entry = { metadata: TableMetadata; location: string; version: number }

export const startRestCatalog = async (options: RestServerOptions): Promise<RestServer> => {
  const prefix = options.prefix ?? "ws"
  const namespaces = new Set<string>()
  const tables = new Map<string, Entry>()
  const state: RestServer = {
    url: "",
    close: async () => undefined,
    failNextCommitAfterApply: false,
    commits: 0,
    conflicts: 0
  }

  const send = (res: ServerResponse, status: number, body?: unknown) => {
    res.writeHead(status, { "content-type": "application/json" })
    res.end(body === undefined ? "" : stringifyJsonBigInt(body))
  }
  const fail = (res: ServerResponse, status: number, type: string, message: string) =>
    send(res, status, { error: { message, type, code: status } })

  const writeVersion = async (e: Entry): Promise<string> => {
    const loc = `${e.location}/metadata/v${e.version}.metadata.json`
    const local = toLocalPath(loc)
    if (local !== undefined) {
      await fs.mkdir(path.dirname(local), { recursive: true })
      await fs.writeFile(local, encodeTableMetadata(e.metadata))
      await fs.writeFile(path.join(path.dirname(local), "version-hint.text"), String(e.version))
    }
    return loc
  }
  const loadResult = (e: Entry) => ({
    "metadata-location": `${e.location}/metadata/v${e.version}.metadata.json`,
    metadata: e.metadata,
    config: {}
  })

  const checkSigV4 = (req: IncomingMessage, body: string): string | undefined => {
    if (options.sigv4Service === undefined) return undefined
    const auth = String(req.headers.authorization ?? "")
    const m =
      /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/.exec(
        auth
      )
    if (!m) return "missing or malformed SigV4 Authorization header"
    if (m[1] !== options.sigv4Service) return `signed for service ${m[1]}, expected ${options.sigv4Service}`
    const signed = m[2]!.split(";")
    for (const h of ["host", "x-amz-content-sha256", "x-amz-date"])
      if (!signed.includes(h)) return `${h} is not signed`
    if (req.headers["x-amz-content-sha256"] !== createHash("sha256").update(body).digest("hex"))
      return "x-amz-content-sha256 does not match the body"
    return undefined
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Array<Buffer> = []
    for await (const c of req) chunks.push(c as Buffer)
    const text = Buffer.concat(chunks).toString("utf8")
    const bad = checkSigV4(req, text)
    if (bad !== undefined) return fail(res, 403, "ForbiddenException", bad)
    const url = new URL(req.url ?? "/", "http://x")
    const parts = url.pathname
      .split("/")
      .filter((p) => p !== "")
      .map(decodeURIComponent)
    const body = text === "" ? undefined : (parseJsonBigInt(text) as Record<string, unknown>)
    if (parts[0] !== "v1") return fail(res, 404, "NotFound", url.pathname)
    if (parts[1] === "config") return send(res, 200, { defaults: {}, overrides: { prefix } })
    if (parts[1] !== prefix || parts[2] !== "namespaces") return fail(res, 404, "NotFound", url.pathname)
    const ns = parts[3]
    if (ns === undefined) {
      if (req.method === "POST") {
        const key = ((body?.namespace ?? []) as Array<string>).join("\u001f")
        if (namespaces.has(key)) return fail(res, 409, "AlreadyExistsException", `namespace ${key} exists`)
        namespaces.add(key)
        return send(res, 200, { namespace: body?.namespace, properties: {} })
      }
      return send(res, 200, { namespaces: [...namespaces].map((n) => n.split("\u001f")) })
    }
    if (!namespaces.has(ns))
      return fail(res, 404, "NoSuchNamespaceException", `namespace ${ns} does not exist`)
    const nsParts = ns.split("\u001f")
    if (parts[4] !== "tables") return fail(res, 404, "NotFound", url.pathname)
    const name = parts[5]
    if (name === undefined) {
      if (req.method === "GET")
        return send(res, 200, {
          identifiers: [...tables.keys()]
            .filter((k) => k.startsWith(`${ns}.`))
            .map((k) => ({ namespace: nsParts, name: k.slice(ns.length + 1) }))
        })
      if (req.method === "POST") {
        const tname = String(body?.name)
        const key = `${ns}.${tname}`
        if (tables.has(key)) return fail(res, 409, "AlreadyExistsException", `table ${key} exists`)
        const location =
          (body?.location as string | undefined) ??
          `${options.warehouse.replace(/\/+$/, "")}/${[...nsParts, tname].join("/")}`
        const spec = (body?.["partition-spec"] as PartitionSpec | undefined) ?? { "spec-id": 0, fields: [] }
        const e: Entry = {
          location,
          version: 1,
          metadata: newTableMetadata({
            uuid: randomUUID(),
            location,
            schema: body?.schema as IcebergSchema,
            specs: [{ ...spec, "spec-id": 0 }],
            properties: (body?.properties as Record<string, string> | undefined) ?? {},
            nowMs: Date.now()
          })
        }
        tables.set(key, e)
        await writeVersion(e)
        return send(res, 200, loadResult(e))
      }
    }
    const key = `${ns}.${name}`
    const e = tables.get(key)
    if (e === undefined) return fail(res, 404, "NoSuchTableException", `table ${key} does not exist`)
    if (req.method === "GET") return send(res, 200, loadResult(e))
    if (req.method === "DELETE") {
      tables.delete(key)
      return send(res, 204)
    }
    if (req.method === "POST") {
      const commit = body as unknown as TableCommit
      // re-decode snapshot ids etc. through the same BigInt-safe path the client uses
      const r = applyCommit(e.metadata, commit, {
        nowMs: Date.now(),
        previousMetadataFile: `${e.location}/metadata/v${e.version}.metadata.json`
      })
      if (r._tag === "rejected") {
        if (r.rejection._tag === "conflict") {
          state.conflicts++
          return fail(res, 409, "CommitFailedException", `Requirement failed: ${r.rejection.detail}`)
        }
        return fail(res, 400, "BadRequestException", r.rejection.detail)
      }
      const next: Entry = {
        location: e.location,
        version: e.version + 1,
        metadata: decodeTableMetadataValue(parseJsonBigInt(encodeTableMetadata(r.metadata)))
      }
      tables.set(key, next)
      await writeVersion(next)
      state.commits++
      if (state.failNextCommitAfterApply) {
        state.failNextCommitAfterApply = false
        return fail(res, 503, "ServiceUnavailableException", "injected: commit applied, response lost")
      }
      return send(res, 200, loadResult(next))
    }
    return fail(res, 405, "MethodNotAllowed", String(req.method))
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => fail(res, 500, "ServerError", String(e)))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const addr = server.address() as AddressInfo
  return Object.assign(state, {
    url: `http://127.0.0.1:${addr.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  })
}
