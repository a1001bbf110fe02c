#!/usr/bin/env node
/**
 * The `ventureos` command: built to plain JavaScript (`dist/bin.js`, the package's `bin`); in the
 * repository `pnpm ventureos` runs a bundle of it (`scripts/ventureos.mjs`, rebuilt when a source changes). Human output goes to stderr, the last stdout
 * line is one JSON object.
 */
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
