// Implementation of bench/api/run.ts (lives here so that package imports resolve). Not a test.
import { fork } from "node:child_process"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { cpus } from "node:os"
import { fileURLToPath } from "node:url"
import { DynamoDBClient, QueryCommand } from "@aws-sdk/client-dynamodb"
import { makeMemory, ServingStore, tableNames } from "@ventureos/serving"
import { ServingStoreDynamo, startDynalite } from "@ventureos/serving/dynamodb"
import { letterName } from "@ventureos/testkit"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { serve } from "../../../adapters-node/src/Serve"
import { record, stats } from "../seed"

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16)
const COMPANIES = Number(process.env.BENCH_COMPANIES ?? 500)

const CITIES = [
  ["AUSTIN", "TX"],
  ["DALLAS", "TX"],
  ["TAMPA", "FL"],
  ["DENVER", "CO"]
] as const

/** `COMPANIES` companies, each with 5 OSHA and 3 EPA violations in the feed, a profile and stats. */
const dataset = () => {
  const records = []
  const slugs: Array<string> = []
  for (let i = 0; i < COMPANIES; i++) {
    const name = `${letterName(i)} WIDGET WORKS`
    const [city, state] = CITIES[i % CITIES.length]!
    for (let k = 0; k < 8; k++)
      records.push(
        record({
          agency: k < 5 ? "osha" : "epa",
          id: `${i}-${k}`,
          company: name,
          city,
          state,
          date: `2024-0${1 + (k % 9)}-1${k % 9}`
        })
      )
    slugs.push(records.at(-1)!.company_slug)
  }
  return { records, slugs }
}

interface Stats {
  readonly requests: number
  readonly errors: number
  readonly rps: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
}

/** Run `once` from `CONCURRENCY` loops for `SECONDS`; latencies in ms. */
const load = async (
  label: string,
  once: (i: number) => Promise<boolean>,
  seconds = SECONDS
): Promise<Stats> => {
  const latencies: Array<number> = []
  let errors = 0
  const end = performance.now() + seconds * 1000
  let n = 0
  const worker = async () => {
    while (performance.now() < end) {
      const t = performance.now()
      const ok = await once(n++).catch(() => false)
      latencies.push(performance.now() - t)
      if (!ok) errors++
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const elapsed = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const q = (p: number) =>
    Number(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(2))
  const s = {
    requests: latencies.length,
    errors,
    rps: Math.round(latencies.length / elapsed),
    p50: q(0.5),
    p90: q(0.9),
    p99: q(0.99),
    max: Number(latencies.at(-1)!.toFixed(2))
  }
  process.stderr.write(`${label}: ${JSON.stringify(s)}\n`)
  return s
}

/** What a load phase targets: the API over HTTP, or the two raw Queries against DynamoDB. */
type Target =
  | { readonly kind: "api"; readonly url: string; readonly slugs: ReadonlyArray<string> }
  | {
      readonly kind: "raw"
      readonly endpoint: string
      readonly tablePrefix: string
      readonly slugs: ReadonlyArray<string>
    }

const pickFrom = (slugs: ReadonlyArray<string>) => (i: number) => slugs[(i * 7919) % slugs.length]!

const rawQuery = (client: DynamoDBClient, table: string, pk: string, prefix?: string) =>
  client.send(
    new QueryCommand({
      TableName: table,
      ConsistentRead: true,
      KeyConditionExpression: prefix === undefined ? "#pk = :pk" : "#pk = :pk AND begins_with(#sk, :p)",
      ExpressionAttributeNames: prefix === undefined ? { "#pk": "PK" } : { "#pk": "PK", "#sk": "SK" },
      ExpressionAttributeValues:
        prefix === undefined ? { ":pk": { S: pk } } : { ":pk": { S: pk }, ":p": { S: prefix } },
      ScanIndexForward: prefix === undefined
    })
  )

/** One request of a phase (and a cleanup). */
const requester = (target: Target): { once: (i: number) => Promise<boolean>; close: () => void } => {
  const pick = pickFrom(target.slugs)
  if (target.kind === "api")
    return {
      once: async (i) => {
        const r = await fetch(`${target.url}/api/company/${pick(i)}`)
        await r.arrayBuffer()
        return r.status === 200
      },
      close: () => {}
    }
  const client = new DynamoDBClient({
    endpoint: target.endpoint,
    region: "us-east-1",
    credentials: { ...ServingStoreDynamo.LOCAL_CREDENTIALS }
  })
  const tables = tableNames(target.tablePrefix)
  return {
    once: async (i) => {
      const key = `COMPANY#${pick(i)}`
      const [e, f] = await Promise.all([
        rawQuery(client, tables.entities, key),
        rawQuery(client, tables.violations, key, "AGENCY#")
      ])
      return (e.Items?.length ?? 0) > 0 && (f.Items?.length ?? 0) > 0
    },
    close: () => client.destroy()
  }
}

/**
 * Run a phase from a separate load-generator process (as autocannon would be): clients then do not share
 * the server's event loop, and the API and raw phases put the same client-side work in the generator.
 */
const remoteLoad = (label: string, target: Target, seconds = SECONDS) =>
  new Promise<Stats>((ok, ko) => {
    const child = fork(fileURLToPath(import.meta.url), [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, BENCH_CHILD: "1" },
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    child.once("message", (m) => ok(m as Stats))
    child.once("exit", (code) => (code === 0 ? undefined : ko(new Error(`load generator exited ${code}`))))
    child.send({ label, target, seconds })
  })

if (process.env.BENCH_CHILD === "1")
  process.once("message", async (m: { label: string; target: Target; seconds: number }) => {
    const r = requester(m.target)
    for (let i = 0; i < 100; i++) await r.once(i)
    const stats = await load(`${m.label} [separate generator process]`, r.once, m.seconds)
    r.close()
    process.send!(stats, () => process.exit(0))
  })

export const runBench = async () => {
  const scope = Effect.runSync(Scope.make())
  const dynalite = await Effect.runPromise(Scope.provide(startDynalite(), scope))
  const options = {
    endpoint: dynalite.endpoint,
    region: "us-east-1",
    credentials: ServingStoreDynamo.LOCAL_CREDENTIALS,
    tablePrefix: "Bench"
  }
  const store = await Effect.runPromise(
    Layer.buildWithScope(ServingStoreDynamo.layer({ ...options, setup: true }), scope)
  )
  const { records, slugs } = dataset()
  process.stderr.write(`seeding ${COMPANIES} companies (${records.length} violations)…\n`)
  await Effect.runPromise(
    Effect.gen(function* () {
      const s = yield* ServingStore
      yield* s.applyFeed(records)
      yield* s.syncStats(
        slugs.flatMap((slug) => [
          stats(`COMPANY#${slug}`, "all", 8),
          stats(`COMPANY#${slug}`, "osha", 5),
          stats(`COMPANY#${slug}`, "epa", 3)
        ]),
        "1"
      )
    }).pipe(Effect.provide(Layer.succeedContext(store)))
  )
  const server = await serve({ port: 0, layer: Layer.succeedContext(store), docs: "none" })
  const pick = (i: number) => slugs[(i * 7919) % slugs.length]!

  // Separate generator process: warm both paths, then raw, then the API.
  const apiTarget: Target = { kind: "api", url: server.url, slugs }
  const rawTarget: Target = { kind: "raw", endpoint: dynalite.endpoint, tablePrefix: "Bench", slugs }
  const warmRemote = Math.max(1, Math.round(SECONDS / 4))
  await remoteLoad("warm-up api", apiTarget, warmRemote)
  await remoteLoad("warm-up raw", rawTarget, warmRemote)
  const rawRemote = await remoteLoad("raw Query(entity) + Query(feed)", rawTarget)
  const apiRemote = await remoteLoad("api GET /api/company/:id", apiTarget)

  // The same reads the handler makes, straight to DynamoDB: the entity's items (METADATA + STATS#*) and its
  // feed (newest first), in parallel, with strongly consistent reads like the driver.
  const tables = tableNames("Bench")
  const client = new DynamoDBClient({ ...options, credentials: { ...options.credentials } })
  const query = (table: string, pk: string, prefix?: string) =>
    client.send(
      new QueryCommand({
        TableName: table,
        ConsistentRead: true,
        KeyConditionExpression: prefix === undefined ? "#pk = :pk" : "#pk = :pk AND begins_with(#sk, :p)",
        ExpressionAttributeNames: prefix === undefined ? { "#pk": "PK" } : { "#pk": "PK", "#sk": "SK" },
        ExpressionAttributeValues:
          prefix === undefined ? { ":pk": { S: pk } } : { ":pk": { S: pk }, ":p": { S: prefix } },
        ScanIndexForward: prefix === undefined
      })
    )
  const apiOnce = async (i: number) => {
    const r = await fetch(`${server.url}/api/company/${pick(i)}`)
    await r.arrayBuffer()
    return r.status === 200
  }
  const rawOnce = async (i: number) => {
    const key = `COMPANY#${pick(i)}`
    const [e, f] = await Promise.all([query(tables.entities, key), query(tables.violations, key, "AGENCY#")])
    return (e.Items?.length ?? 0) > 0 && (f.Items?.length ?? 0) > 0
  }
  // Warm up both paths first (JIT of the server and of dynalite, connection pools): the measured phases
  // then run on an equally warm store.
  const warm = Math.max(1, Math.round(SECONDS / 4))
  await load("warm-up api", apiOnce, warm)
  await load("warm-up raw", rawOnce, warm)
  const raw = await load("raw Query(entity) + Query(feed)", rawOnce)
  const api = await load("api GET /api/company/:id", apiOnce)

  // The raw reads behind a bare node:http server: what HTTP itself costs on this machine (client, server and
  // store share the same process and its 2 cores).
  const bare = createServer((req, res) => {
    const key = `COMPANY#${(req.url ?? "").slice("/api/company/".length)}`
    Promise.all([query(tables.entities, key), query(tables.violations, key, "AGENCY#")]).then(
      ([e, f]) => {
        res.writeHead(200, { "content-type": "application/json" })
        res.end(JSON.stringify({ entity: e.Items, feed: f.Items }))
      },
      () => {
        res.writeHead(500)
        res.end()
      }
    )
  })
  await new Promise<void>((ok) => bare.listen(0, "127.0.0.1", ok))
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`
  const rawHttp = await load("raw reads behind bare node:http", async (i) => {
    const r = await fetch(`${bareUrl}/api/company/${pick(i)}`)
    await r.arrayBuffer()
    return r.status === 200
  })
  await new Promise<void>((ok) => bare.close(() => ok()))

  // The same two reads through the serving-store port (driver: decoding, validation), without HTTP.
  const port = Context.get(store, ServingStore)
  const storePort = await load("store port getEntity + getFeed", (i) =>
    Effect.runPromise(
      Effect.all([port.getEntity(`COMPANY#${pick(i)}`), port.getFeed(`COMPANY#${pick(i)}`)], {
        concurrency: 2
      })
    ).then(([e, f]) => e._tag === "Some" && f.length > 0)
  )

  // The API's own cost, without a database: the same data in the memory store.
  const memory = makeMemory()
  await Effect.runPromise(
    Effect.gen(function* () {
      const s = yield* ServingStore
      yield* s.applyFeed(records)
      yield* s.syncStats(
        slugs.flatMap((slug) => [
          stats(`COMPANY#${slug}`, "all", 8),
          stats(`COMPANY#${slug}`, "osha", 5),
          stats(`COMPANY#${slug}`, "epa", 3)
        ]),
        "1"
      )
    }).pipe(Effect.provideService(ServingStore, memory))
  )
  const memoryServer = await serve({ port: 0, layer: Layer.succeed(ServingStore, memory), docs: "none" })
  for (let i = 0; i < 200; i++)
    await fetch(`${memoryServer.url}/api/company/${pick(i)}`).then((r) => r.arrayBuffer())
  const apiMemory = await load("api GET /api/company/:id (memory store)", async (i) => {
    const r = await fetch(`${memoryServer.url}/api/company/${pick(i)}`)
    await r.arrayBuffer()
    return r.status === 200
  })
  await memoryServer.close()

  client.destroy()
  await server.close()
  await Effect.runPromise(Scope.close(scope, Exit.void))
  const result = {
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "", node: process.version },
    seconds: SECONDS,
    concurrency: CONCURRENCY,
    companies: COMPANIES,
    api,
    raw,
    raw_behind_bare_http: rawHttp,
    store_port: storePort,
    api_memory_store: apiMemory,
    p99_ratio: Number((api.p99 / raw.p99).toFixed(2)),
    separate_generator: {
      raw: rawRemote,
      api: apiRemote,
      p99_ratio: Number((apiRemote.p99 / rawRemote.p99).toFixed(2))
    }
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
  return result
}
