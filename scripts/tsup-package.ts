/**
 * The tsup build every published package shares. Entries come from the package's own `exports`
 * (`"./serving": "./src/serving/index.ts"` builds `dist/serving/index.js` + `.d.ts`), so a new subpath
 * cannot be forgotten by the build; `test/consumer/manifests.test.ts` checks that `publishConfig.exports`
 * points at exactly those files.
 *
 * ```ts
 * // packages/<name>/tsup.config.ts
 * import { defineConfig } from "tsup"
 * import { packageBuild } from "../../scripts/tsup-package"
 * export default defineConfig(packageBuild())
 * ```
 */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import type { Options } from "tsup"

interface Manifest {
  readonly name: string
  readonly exports?: Record<string, unknown>
  readonly publishConfig?: { readonly exports?: Record<string, { readonly types?: string } | string> }
}
const readManifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest

/** `{ "serving/index": "src/serving/index.ts", … }`: dist path (no extension) per source entry. */
export const entriesFromExports = (dir: string): Record<string, string> => {
  const pkg = readManifest(dir)
  const entries: Record<string, string> = {}
  for (const target of Object.values(pkg.exports ?? {})) {
    // "./package.json" and other non-source targets are not built
    if (typeof target !== "string" || !target.startsWith("./src/") || !target.endsWith(".ts")) continue
    entries[target.slice("./src/".length, -".ts".length)] = target.slice("./".length)
  }
  if (Object.keys(entries).length === 0) throw new Error(`${dir}/package.json: no ./src/*.ts exports`)
  return entries
}

/**
 * `paths` sending the other workspace packages' imports (`@ventureos/core`, `@ventureos/serving`…)
 * to their already built `.d.ts` (turbo builds dependencies first): the declaration build of a package
 * then reads its dependencies' declarations instead of type-checking their sources again, which made
 * every build re-check the packages below it. Packages not built yet resolve to their sources as usual.
 */
export const builtWorkspaceTypes = (dir: string): Record<string, Array<string>> => {
  const packagesDir = dirname(resolve(dir))
  const self = readManifest(dir).name
  const paths: Record<string, Array<string>> = {}
  for (const name of readdirSync(packagesDir)) {
    const pkgDir = join(packagesDir, name)
    if (!existsSync(join(pkgDir, "package.json"))) continue
    const pkg = readManifest(pkgDir)
    if (pkg.name === self) continue
    for (const [sub, target] of Object.entries(pkg.publishConfig?.exports ?? {})) {
      const types = typeof target === "string" ? undefined : target.types
      if (types === undefined || !existsSync(join(pkgDir, types))) continue
      paths[`${pkg.name}${sub.slice(1)}`] = [join(pkgDir, types)]
    }
  }
  return paths
}

export interface PackageBuildOptions {
  /** Entries without declarations (a CLI's bin). */
  readonly extraEntries?: Record<string, string>
  /** Runs after the JavaScript build (e.g. copying assets into dist). */
  readonly onSuccess?: () => Promise<void>
}

/** ESM for Node (engines >= 22.19), one `.js` + `.d.ts` per export, shared code in chunks. */
export const packageBuild = (options: PackageBuildOptions = {}): Options => {
  const entry = entriesFromExports(process.cwd())
  return {
    entry: { ...entry, ...options.extraEntries },
    dts: { entry, compilerOptions: { paths: builtWorkspaceTypes(process.cwd()) } },
    format: ["esm"],
    platform: "node",
    target: "node22",
    splitting: true,
    sourcemap: false,
    clean: true,
    ...(options.onSuccess === undefined ? {} : { onSuccess: options.onSuccess })
  }
}
