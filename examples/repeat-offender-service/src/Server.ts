import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import type { Warehouse } from "@ventureos/pipeline"
import { Effect, type ManagedRuntime, Option } from "effect"
import { candidateKeys, RULE, repeatOffender } from "./RepeatOffender"

const USAGE = "GET /repeat-offender?company=<company name or slug>"

/**
 * `GET /repeat-offender?company=…` over node:http: 200 with the verdict, 400 without a usable company,
 * 404 when gold has no such company, 503 when the warehouse fails. Every body is JSON.
 */
export const makeServer = (runtime: ManagedRuntime.ManagedRuntime<Warehouse, never>): Server =>
  createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8" })
      res.end(`${JSON.stringify(body)}\n`)
    }
    const url = new URL(req.url ?? "/", "http://localhost")
    if (url.pathname !== "/repeat-offender") return send(404, { error: "NotFound", message: USAGE })
    if (req.method !== "GET") {
      res.setHeader("allow", "GET")
      return send(405, { error: "MethodNotAllowed", message: USAGE })
    }
    const company = (url.searchParams.get("company") ?? "").trim()
    if (company.length > 200 || candidateKeys(company).length === 0)
      return send(400, {
        error: "BadRequest",
        message: `company needs letters or digits (at most 200 characters): ${USAGE}`
      })
    runtime.runPromise(Effect.result(repeatOffender(company))).then(
      (r) => {
        if (r._tag === "Failure") return send(503, { error: "Unavailable", message: r.failure.message })
        if (Option.isNone(r.success))
          return send(404, {
            error: "NotFound",
            company,
            message: "no such company in gold",
            rule: RULE.text
          })
        send(200, r.success.value)
      },
      (e: unknown) => send(500, { error: "Internal", message: String(e) })
    )
  })

/** Listen on `port` (0: any free port) and resolve with the base URL. */
export const listen = (server: Server, port: number, host = "127.0.0.1"): Promise<string> =>
  new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, host, () => {
      const { port: actual } = server.address() as AddressInfo
      resolve(`http://${host}:${actual}`)
    })
  })
