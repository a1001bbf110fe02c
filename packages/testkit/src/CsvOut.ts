import { once } from "node:events"
import { createWriteStream, type WriteStream } from "node:fs"

/** Writing generated CSV files: cells quoted as agency exports quote them, rows streamed with back-pressure. */

/** RFC 4180 cell: quoted only when it must be (as the DOL and EPA exports are). */
export const cell = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v)

/** A buffered file writer that honours back-pressure. */
export class Out {
  private buf: Array<string> = []
  private size = 0
  bytes = 0
  readonly ws: WriteStream
  constructor(path: string) {
    this.ws = createWriteStream(path)
  }
  async add(s: string): Promise<void> {
    this.buf.push(s)
    this.size += s.length
    if (this.size >= 1 << 20) await this.flush()
  }
  async flush(): Promise<void> {
    if (this.buf.length === 0) return
    const chunk = Buffer.from(this.buf.join(""), "utf8")
    this.buf = []
    this.size = 0
    this.bytes += chunk.length
    if (!this.ws.write(chunk)) await once(this.ws, "drain")
  }
  async close(): Promise<void> {
    await this.flush()
    await new Promise<void>((res, rej) => this.ws.end((e?: Error | null) => (e ? rej(e) : res())))
  }
}
