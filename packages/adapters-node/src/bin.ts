#!/usr/bin/env node
import { runCli } from "./Cli"

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (e: unknown) => {
    process.stderr.write(
      `ventureos: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`
    )
    process.exitCode = 1
  }
)
