import { createHash, createHmac } from "node:crypto"
import { SignatureV4 } from "@smithy/signature-v4"
import { Effect, Layer } from "effect"
import {
  Catalog,
  CatalogError,
  type CatalogShape,
  type CreateTableRequest,
  type LoadedTable,
  showTableId,
  type TableIdentifier
} from "./Catalog"
import type { TableCommit } from "./spec/Commit"
import { decodeTableMetadataValue, parseJsonBigInt, stringifyJsonBigInt } from "./spec/Json"

type SignerInit = ConstructorParameters<typeof SignatureV4>[0]

/** AWS credentials for SigV4. */
export interface AwsCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
}

/** Options of the Iceberg REST catalog client. */
export interface RestCatalogOptions {
  /**
   * Catalog base URL (without `/v1`): S3 Tables `https://s3tables.<region>.amazonaws.com/iceberg`, Glue
   * `https://glue.<region>.amazonaws.com/iceberg`, or any REST catalog.
   */
  readonly uri: string
  /** S3 Tables: the table bucket ARN; Glue: `<account-id>` or `<account-id>:s3tablescatalog/<bucket>`. */
  readonly warehouse?: string
  /** SigV4 signing: service `s3tables` (S3 Tables) or `glue` (Glue). */
  readonly sigv4?: {
    readonly service: string
    readonly region: string
    /** Default: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN (as in Lambda). */
    readonly credentials?: AwsCredentials | (() => Promise<AwsCredentials>)
  }
  /** Bearer token (OAuth2) for catalogs that use one. */
  readonly token?: string
  readonly fetch?: typeof fetch
  /** Request timeout (ms); a commit that times out has an unknown outcome. Default 30 s. */
  readonly timeoutMs?: number
}

/** SHA-256 (and HMAC) in the shape @smithy/signature-v4 expects, on node:crypto. */
class NodeSha256 {
  private readonly h: ReturnType<typeof createHash> | ReturnType<typeof createHmac>
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash("sha256") : createHmac("sha256", toBuf(secret))
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(toBuf(data))
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.h.digest()))
  }
  reset(): void {}
}
const toBuf = (d: string | ArrayBuffer | ArrayBufferView): Buffer =>
  typeof d === "string"
    ? Buffer.from(d, "utf8")
    : d instanceof ArrayBuffer
      ? Buffer.from(d)
      : Buffer.from(d.buffer, d.byteOffset, d.byteLength)

const envCredentials = async (): Promise<AwsCredentials> => {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY
  if (!accessKeyId || !secretAccessKey)
    throw new Error("no AWS credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)")
  const sessionToken = process.env.AWS_SESSION_TOKEN
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) }
}

/** Namespace path segment: levels joined by the unit separator, URL-encoded (REST spec). */
const nsPath = (ns: ReadonlyArray<string>) => encodeURIComponent(ns.join("\u001f"))

/**
 * The config answer's `prefix` as a path: used as the server gave it, as Iceberg's own clients do. S3 Tables
 * answers its table bucket ARN already URL-encoded as one segment (`arn%3Aaws%3As3tables%3A…%2F<bucket>`),
 * Glue `catalogs/<account>:s3tablescatalog:<bucket>` (two segments, `:` allowed in a path): encoding either
 * again would name another resource. Only characters a URL path cannot hold are percent-encoded.
 */
const pathPrefix = (p: string) =>
  p.replace(/^\/+|\/+$/g, "").replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@%/]/g, (c) => encodeURIComponent(c))

type Resp = { status: number; body: unknown; text: string }

/** Make a REST catalog client. */
export const make = (options: RestCatalogOptions): CatalogShape => {
  const base = options.uri.replace(/\/+$/, "")
  const doFetch = options.fetch ?? globalThis.fetch
  const signer =
    options.sigv4 === undefined
      ? undefined
      : new SignatureV4({
          service: options.sigv4.service,
          region: options.sigv4.region,
          credentials: (typeof options.sigv4.credentials === "function"
            ? options.sigv4.credentials
            : options.sigv4.credentials === undefined
              ? envCredentials
              : async () => options.sigv4!.credentials as AwsCredentials) as SignerInit["credentials"],
          sha256: NodeSha256 as unknown as SignerInit["sha256"] & {}
        })

  const send = async (method: string, pathAndQuery: string, body?: unknown): Promise<Resp> => {
    const url = new URL(`${base}${pathAndQuery}`)
    const text = body === undefined ? "" : stringifyJsonBigInt(body)
    let headers: Record<string, string> = {
      host: url.host,
      accept: "application/json",
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      // sent on every request, also with an empty body (S3 Tables and Glue require it)
      "x-amz-content-sha256": createHash("sha256").update(text).digest("hex")
    }
    if (options.token) headers.authorization = `Bearer ${options.token}`
    if (signer !== undefined) {
      const query: Record<string, string> = {}
      url.searchParams.forEach((v, k) => {
        query[k] = v
      })
      const signed = await signer.sign({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query,
        headers,
        body: text
      } as Parameters<SignatureV4["sign"]>[0])
      headers = (signed as { headers: Record<string, string> }).headers
    }
    const { host: _host, ...sendHeaders } = headers
    const res = await doFetch(url, {
      method,
      headers: sendHeaders,
      ...(body === undefined ? {} : { body: text }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000)
    })
    const out = await res.text()
    let parsed: unknown
    try {
      parsed = out === "" ? undefined : parseJsonBigInt(out)
    } catch {
      parsed = undefined
    }
    return { status: res.status, body: parsed, text: out }
  }

  let prefixPromise: Promise<string> | undefined
  const prefix = () => {
    prefixPromise ??= send(
      "GET",
      `/v1/config${options.warehouse ? `?warehouse=${encodeURIComponent(options.warehouse)}` : ""}`
    ).then((r) => {
      if (r.status !== 200) {
        prefixPromise = undefined
        throw new Error(`GET /v1/config: HTTP ${r.status} ${r.text.slice(0, 200)}`)
      }
      const cfg = r.body as { overrides?: Record<string, string>; defaults?: Record<string, string> }
      const p = cfg.overrides?.prefix ?? cfg.defaults?.prefix
      return p === undefined || p === "" ? "" : `/${pathPrefix(p)}`
    })
    return prefixPromise
  }
  const tablePath = async (id: TableIdentifier) =>
    `/v1${await prefix()}/namespaces/${nsPath(id.namespace)}/tables/${encodeURIComponent(id.name)}`

  const errorOf = (id: TableIdentifier, r: Resp, op: "load" | "commit" | "other"): CatalogError => {
    const msg = (r.body as { error?: { message?: string; type?: string } } | undefined)?.error
    const detail = `HTTP ${r.status}${msg?.type ? ` ${msg.type}` : ""}: ${msg?.message ?? r.text.slice(0, 300)}`
    const reason: CatalogError["reason"] =
      r.status === 404
        ? msg?.type?.includes("Namespace")
          ? "NoSuchNamespace"
          : "NoSuchTable"
        : r.status === 409
          ? op === "commit"
            ? "CommitConflict"
            : "AlreadyExists"
          : r.status === 401 || r.status === 403
            ? "Unauthorized"
            : r.status === 400 || r.status === 406 || r.status === 422
              ? "InvalidRequest"
              : op === "commit" && (r.status >= 500 || r.status === 429 || r.status === 419)
                ? "CommitStateUnknown"
                : "Unavailable"
    return new CatalogError({ reason, table: showTableId(id), detail })
  }

  const call = <A>(
    id: TableIdentifier,
    op: "load" | "commit" | "other",
    f: () => Promise<Resp>,
    ok: (r: Resp) => A
  ): Effect.Effect<A, CatalogError> =>
    Effect.tryPromise({
      try: f,
      catch: (e) =>
        new CatalogError({
          // a commit whose request may have been sent has an unknown outcome
          reason: op === "commit" ? "CommitStateUnknown" : "Unavailable",
          table: showTableId(id),
          detail: String((e as Error)?.message ?? e)
        })
    }).pipe(
      Effect.flatMap((r) =>
        r.status >= 200 && r.status < 300
          ? Effect.try({
              try: () => ok(r),
              catch: (e) =>
                new CatalogError({ reason: "InvalidMetadata", table: showTableId(id), detail: String(e) })
            })
          : Effect.fail(errorOf(id, r, op))
      )
    )

  const loaded =
    (id: TableIdentifier) =>
    (r: Resp): LoadedTable => {
      const b = r.body as Record<string, unknown>
      return {
        identifier: id,
        metadataLocation: String(b["metadata-location"] ?? ""),
        metadata: decodeTableMetadataValue(b.metadata)
      }
    }

  const loadTable = (id: TableIdentifier) =>
    call(id, "load", async () => send("GET", await tablePath(id)), loaded(id))

  const commitTable = (id: TableIdentifier, commit: TableCommit) =>
    call(
      id,
      "commit",
      async () =>
        send("POST", await tablePath(id), {
          identifier: { namespace: id.namespace, name: id.name },
          requirements: commit.requirements,
          updates: commit.updates
        }),
      loaded(id)
    )

  const createNamespace = (id: TableIdentifier) =>
    call(
      id,
      "other",
      async () =>
        send("POST", `/v1${await prefix()}/namespaces`, { namespace: id.namespace, properties: {} }),
      () => undefined
    ).pipe(
      Effect.catchIf(
        (e) => e.reason === "AlreadyExists",
        () => Effect.void
      )
    )

  const createOnce = (id: TableIdentifier, req: CreateTableRequest) =>
    call(
      id,
      "other",
      async () =>
        send("POST", `/v1${await prefix()}/namespaces/${nsPath(id.namespace)}/tables`, {
          name: id.name,
          schema: req.schema,
          "partition-spec": req.specs[0] ?? { "spec-id": 0, fields: [] },
          "write-order": req.sortOrder ?? { "order-id": 0, fields: [] },
          "stage-create": false,
          properties: req.properties ?? {},
          ...(req.location === undefined ? {} : { location: req.location })
        }),
      loaded(id)
    )

  return {
    defaultLocation: () => "",
    createTable: (id, req) =>
      Effect.gen(function* () {
        const created = yield* createOnce(id, req).pipe(
          Effect.catchIf(
            (e) => e.reason === "NoSuchNamespace" || e.reason === "NoSuchTable",
            () => Effect.flatMap(createNamespace(id), () => createOnce(id, req))
          )
        )
        // further specs (e.g. the unpartitioned one for equality deletes) are added, not made default
        const extra = req.specs.slice(1)
        if (extra.length === 0) return created
        return yield* commitTable(id, {
          requirements: [{ type: "assert-table-uuid", uuid: created.metadata["table-uuid"] }],
          updates: extra.map((spec) => ({ action: "add-spec" as const, spec }))
        })
      }),
    loadTable,
    tableExists: (id) =>
      loadTable(id).pipe(
        Effect.map(() => true),
        Effect.catchIf(
          (e) => e.reason === "NoSuchTable" || e.reason === "NoSuchNamespace",
          () => Effect.succeed(false)
        )
      ),
    commitTable,
    listTables: (ns) =>
      Effect.gen(function* () {
        const id = { namespace: ns, name: "*" }
        const out: Array<TableIdentifier> = []
        let token: string | undefined
        do {
          const page = yield* call(
            id,
            "other",
            async () =>
              send(
                "GET",
                `/v1${await prefix()}/namespaces/${nsPath(ns)}/tables${token ? `?pageToken=${encodeURIComponent(token)}` : ""}`
              ),
            (r) =>
              r.body as {
                identifiers?: Array<{ namespace: Array<string>; name: string }>
                "next-page-token"?: string
              }
          ).pipe(
            Effect.catchIf(
              (e) => e.reason === "NoSuchNamespace" || e.reason === "NoSuchTable",
              () =>
                Effect.succeed({ identifiers: [] } as {
                  identifiers?: Array<{ namespace: Array<string>; name: string }>
                  "next-page-token"?: string
                })
            )
          )
          for (const i of page.identifiers ?? []) out.push({ namespace: i.namespace, name: i.name })
          token = page["next-page-token"] ?? undefined
        } while (token)
        return out
      }),
    dropTable: (id) =>
      call(
        id,
        "other",
        async () => send("DELETE", `${await tablePath(id)}?purgeRequested=true`),
        () => undefined
      )
  }
}

/** REST catalog layer. */
export const layer = (options: RestCatalogOptions): Layer.Layer<Catalog> =>
  Layer.sync(Catalog, () => make(options))
