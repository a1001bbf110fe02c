// dynalite ships no types; this is the part of its API the embedded server uses.
declare module "dynalite" {
  import type { Server } from "node:http"

  interface DynaliteOptions {
    readonly path?: string
    readonly createTableMs?: number
    readonly deleteTableMs?: number
    readonly updateTableMs?: number
    readonly maxItemSizeKb?: number
  }
  const dynalite: (options?: DynaliteOptions) => Server
  export default dynalite
}
