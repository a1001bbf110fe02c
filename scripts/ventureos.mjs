#!/usr/bin/env node
/**
 * `pnpm ventureos`: the CLI (`packages/adapters-node/src/bin.ts`) run from one JavaScript bundle of the
 * workspace's TypeScript sources, rebuilt with esbuild (about a second) when any source is newer than it.
 * Running the sources through tsx cost about 1.3 s of CPU per command before any work (a loader hook on each
 * of ~600 modules and a transpile of ours); the bundle loads in a fraction of that, which matters for the
 * short commands (a replay, a daily file). npm packages are bundled too (one file to load), except native
 * bindings and packages that read files next to themselves (`EXTERNAL`).
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, symlinkSync } from "node:fs"
import * as nodeModule from "node:module"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const entry = join(root, "packages/adapters-node/src/bin.ts")

/** Packages loaded as installed: native bindings, and files they read next to themselves. */
const EXTERNAL = [
  "@duckdb/node-api",
  "@duckdb/node-bindings",
  "dynalite",
  "leveldown",
  "esbuild",
  "vite",
  "playwright-core",
  "typescript"
]

// in the checkout's own dist/ (ignored by git)
const outDir = join(root, "dist/cli")
const out = join(outDir, "bin.mjs")

/** Newest modification time of the workspace's sources (package sources and manifests). */
const newestSource = () => {
  let newest = statSync(import.meta.filename).mtimeMs
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.name.endsWith(".ts") || e.name.endsWith(".tsx"))
        newest = Math.max(newest, statSync(p).mtimeMs)
    }
  }
  for (const pkg of readdirSync(join(root, "packages"))) {
    const src = join(root, "packages", pkg, "src")
    try {
      walk(src)
      newest = Math.max(newest, statSync(join(root, "packages", pkg, "package.json")).mtimeMs)
    } catch {
      // a package without sources
    }
  }
  return newest
}

const built = (() => {
  try {
    return statSync(out).mtimeMs
  } catch {
    return -1
  }
})()

if (built < newestSource()) {
  const { build } = await import("esbuild")
  mkdirSync(outDir, { recursive: true })
  // built in a folder of its own, then moved: a concurrent command never loads half a file
  const tmpDir = join(outDir, `tmp-${process.pid}`)
  const tmp = join(tmpDir, "bin.mjs")
  await build({
    entryPoints: [entry],
    outfile: tmp,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    // stack traces (--verbose) point at the TypeScript sources
    sourcemap: "linked",
    logLevel: "warning",
    // CommonJS dependencies bundled into ESM still call require
    banner: {
      js: "import { createRequire as __vosRequire } from 'node:module'; const require = __vosRequire(import.meta.url);"
    },
    plugins: [
      {
        name: "workspace-only",
        setup(b) {
          // our packages are bundled from source; everything from npm is loaded as published
          // (pnpm: a package is only in the node_modules of the packages depending on it, so it is resolved
          // from the importing file and imported by its full path)
          b.onResolve({ filter: /^[^./]/ }, async (a) => {
            if (
              a.path.startsWith("@ventureos/") ||
              a.path.startsWith("node:") ||
              a.pluginData === "inner" ||
              !EXTERNAL.some((x) => a.path === x || a.path.startsWith(`${x}/`))
            )
              return undefined
            const r = await b.resolve(a.path, { kind: a.kind, resolveDir: a.resolveDir, pluginData: "inner" })
            return r.errors.length > 0 ? { errors: r.errors } : { path: r.path, external: true }
          })
          // a module's own location (samples, the web build) stays its source file's, not the bundle's
          b.onLoad({ filter: /\/packages\/[^/]+\/src\/.*\.tsx?$/ }, async (a) => {
            const { readFile } = await import("node:fs/promises")
            const text = await readFile(a.path, "utf8")
            if (!text.includes("import.meta")) return undefined
            return {
              loader: a.path.endsWith(".tsx") ? "tsx" : "ts",
              contents: text
                .replaceAll("import.meta.url", JSON.stringify(pathToFileURL(a.path).href))
                .replaceAll("import.meta.dirname", JSON.stringify(dirname(a.path)))
                .replaceAll("import.meta.filename", JSON.stringify(a.path))
            }
          })
        }
      }
    ]
  })
  renameSync(`${tmp}.map`, `${out}.map`)
  renameSync(tmp, out)
  rmSync(tmpDir, { recursive: true, force: true })
}
// a specifier the bundler could not see (`import(name)`, e.g. the embedded DynamoDB) resolves from the
// bundle's folder: every installed package is linked from pnpm's virtual store
const modules = join(outDir, "node_modules")
if (!existsSync(modules)) {
  try {
    symlinkSync(join(root, "node_modules/.pnpm/node_modules"), modules, "dir")
  } catch {
    // another command linked it first
  }
}

// source-mapped stack traces when asked for (parsing the map costs ~0.3 s of CPU)
if (process.argv.includes("--verbose")) process.setSourceMapsEnabled(true)
// V8's code cache of the ~10 MB bundle, kept next to it (keyed by content, so a rebuild is not confused):
// parsing and compiling it was ~0.1 s of the ~0.45 s of CPU every command spends loading it (Node >= 22.1)
nodeModule.enableCompileCache?.(join(outDir, "compile-cache"))
await import(pathToFileURL(out).href)
