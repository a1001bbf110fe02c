import { createServer, type IncomingMessage } from "node:http"
import { createServer as createHttp2Server } from "node:http2"
import type { AddressInfo } from "node:net"

/** A request as the stub received it. */
export interface Received {
  readonly method: string
  readonly path: string
  readonly headers: IncomingMessage["headers"]
  readonly body: string
}

/** `delayMs`: answer that much later (a slow or hung upstream, for timeout tests). */
type Answer = { status: number; headers?: Record<string, string>; body: unknown; delayMs?: number }

/**
 * A local HTTP server answering with `respond`, recording every request (real sockets, no mocks).
 * `http2: true` speaks cleartext HTTP/2 (h2c), as the Bedrock Runtime client's default handler does.
 */
export const startStub = async (
  respond: (r: Received) => Answer,
  options: { readonly http2?: boolean } = {}
): Promise<{ url: string; received: Array<Received>; close: () => Promise<void> }> => {
  const received: Array<Received> = []
  const handler = (
    req: Pick<IncomingMessage, "method" | "url" | "headers" | "on">,
    res: { writeHead: (s: number, h: Record<string, string>) => unknown; end: (b: string) => unknown }
  ) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const r: Received = {
        method: req.method ?? "",
        path: decodeURIComponent(req.url ?? ""),
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8")
      }
      received.push(r)
      const out = respond(r)
      setTimeout(() => {
        res.writeHead(out.status, { "content-type": "application/json", ...out.headers })
        res.end(typeof out.body === "string" ? out.body : JSON.stringify(out.body))
      }, out.delayMs ?? 0)
    })
  }
  const server = options.http2 === true ? createHttp2Server(handler as never) : createServer(handler as never)
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((ok) => server.close(() => ok()))
  }
}
