/**
 * The published packages' manifests, checked without building: what `npm install @ventureos/<x>` gets must
 * match the sources (`exports` vs `publishConfig.exports`, the files tsup builds), carry the metadata a
 * registry page needs, and declare exactly the dependencies the code imports. The packed tarballs are
 * exercised by `pnpm test:consumer` (scripts/consumer-test.ts).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join, relative, resolve } from "node:path"
import { describe, expect, it } from "vitest"

const ROOT = resolve(import.meta.dirname, "..", "..", "..", "..")

interface Manifest {
  readonly name: string
  readonly private?: boolean
  readonly description?: string
  readonly license?: string
  readonly type?: string
  readonly repository?: { readonly type: string; readonly url: string; readonly directory: string }
  readonly engines?: Record<string, string>
  readonly files?: ReadonlyArray<string>
  readonly bin?: Record<string, string>
  readonly exports?: Record<string, string>
  readonly publishConfig?: {
    readonly access?: string
    readonly exports?: Record<string, { readonly types: string; readonly default: string }>
  }
  readonly scripts?: Record<string, string>
  readonly dependencies?: Record<string, string>
  readonly peerDependencies?: Record<string, string>
  readonly devDependencies?: Record<string, string>
}

const workspace = ["packages", "examples"].flatMap((group) =>
  readdirSync(join(ROOT, group))
    .map((d) => join(ROOT, group, d))
    .filter((dir) => existsSync(join(dir, "package.json")))
    .map((dir) => ({
      dir,
      manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest
    }))
)
const published = workspace.filter((p) => p.manifest.private !== true)
const privateNames = new Set(workspace.filter((p) => p.manifest.private === true).map((p) => p.manifest.name))

/** Dependencies used without an import in the package's own code, with the reason. */
const usedIndirectly: Record<string, Record<string, string>> = {
  "@ventureos/adapters-node": {
    dynalite: "the embedded DynamoDB the CLI runs on: an optional peer of @ventureos/serving/dynamodb"
  }
}

const sourceFiles = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : /\.tsx?$/.test(e.name) && !e.name.endsWith(".d.ts")
        ? [join(dir, e.name)]
        : []
  )

/** Package names the code imports (static, dynamic, type-only), comments left out. */
const importedPackages = (srcDir: string): Set<string> => {
  const names = new Set<string>()
  for (const file of sourceFiles(srcDir)) {
    const code = readFileSync(file, "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/^\s*\/\/.*$/gm, "")
    for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)"([^"]+)"/g)) {
      const spec = m[1]!
      if (spec.startsWith(".") || spec.startsWith("node:")) continue
      const parts = spec.split("/")
      names.add(spec.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!)
    }
  }
  return names
}

describe("published packages", () => {
  it("are the SDK's packages", () => {
    expect(published.map((p) => p.manifest.name).sort()).toEqual([
      "@ventureos/adapters-lambda",
      "@ventureos/adapters-node",
      "@ventureos/api",
      "@ventureos/api-client",
      "@ventureos/api-contract",
      "@ventureos/core",
      "@ventureos/entities",
      "@ventureos/iceberg",
      "@ventureos/normalizers",
      "@ventureos/pipeline",
      "@ventureos/serving",
      "@ventureos/storage"
    ])
  })

  describe.each(published.map((p) => [p.manifest.name, p] as const))("%s", (_name, { dir, manifest }) => {
    it("has registry metadata: description, license, repository, engines, ESM, public access", () => {
      expect(manifest.description?.length ?? 0).toBeGreaterThan(20)
      expect(manifest.license).toBe("Apache-2.0")
      expect(manifest.repository).toEqual({
        type: "git",
        url: "git+https://github.com/ventureos/ventureos.git",
        directory: relative(ROOT, dir)
      })
      // effect 4 needs Node >= 22.19
      expect(manifest.engines).toEqual({ node: ">=22.19" })
      expect(manifest.type).toBe("module")
      expect(manifest.publishConfig?.access).toBe("public")
    })

    it("has a README with a runnable example", () => {
      const readme = join(dir, "README.md")
      expect(existsSync(readme)).toBe(true)
      expect(readFileSync(readme, "utf8")).toMatch(
        /```(ts|js|sh)\n[\s\S]*?@ventureos\/|```sh\n[\s\S]*?ventureos /
      )
    })

    it("publishes dist: every source subpath has a built .js and .d.ts, and nothing else is exported", () => {
      const source = manifest.exports ?? {}
      const built = manifest.publishConfig?.exports ?? {}
      expect(Object.keys(built).sort()).toEqual(Object.keys(source).sort())
      for (const [subpath, target] of Object.entries(source)) {
        expect(target, subpath).toMatch(/^\.\/src\/.+\.ts$/)
        expect(existsSync(join(dir, target)), target).toBe(true)
        const base = target.replace(/^\.\/src\//, "./dist/").replace(/\.ts$/, "")
        expect(built[subpath], subpath).toEqual({ types: `${base}.d.ts`, default: `${base}.js` })
      }
      expect(manifest.files?.some((f) => f === "dist" || f.startsWith("dist/"))).toBe(true)
      // the shared tsup build derives its entries from `exports` (scripts/tsup-package.ts)
      expect(manifest.scripts?.build).toBe("tsup")
      expect(readFileSync(join(dir, "tsup.config.ts"), "utf8")).toContain("packageBuild(")
    })

    it("declares exactly the packages its code imports (tests' tools stay devDependencies)", () => {
      const imported = importedPackages(join(dir, "src"))
      imported.delete(manifest.name)
      const runtime = { ...manifest.dependencies, ...manifest.peerDependencies }
      const undeclared = [...imported].filter((n) => runtime[n] === undefined).sort()
      expect(undeclared, "imported but not a dependency or peer").toEqual([])
      const unused = Object.keys(manifest.dependencies ?? {})
        .filter((n) => !imported.has(n) && usedIndirectly[manifest.name]?.[n] === undefined)
        .sort()
      expect(unused, "dependencies nothing imports").toEqual([])
    })

    it("depends on no private workspace package (npm could not install it)", () => {
      const runtime = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })
      expect(runtime.filter((n) => privateNames.has(n))).toEqual([])
    })
  })

  it("the CLI package installs a plain-JavaScript ventureos command and ships its samples", () => {
    const cli = published.find((p) => p.manifest.name === "@ventureos/adapters-node")!
    expect(cli.manifest.bin).toEqual({ ventureos: "./dist/bin.js" })
    expect(cli.manifest.files).toContain("samples")
    expect(readFileSync(join(cli.dir, "src", "bin.ts"), "utf8").startsWith("#!/usr/bin/env node\n")).toBe(
      true
    )
    expect(readFileSync(join(cli.dir, "tsup.config.ts"), "utf8")).toContain('bin: "src/bin.ts"')
  })

  it("turbo builds every package that has a build script, web included, and keeps their dist", () => {
    const turbo = JSON.parse(readFileSync(join(ROOT, "turbo.json"), "utf8")) as {
      tasks: Record<string, { dependsOn?: Array<string>; outputs?: Array<string> }>
    }
    expect(turbo.tasks.build).toMatchObject({ dependsOn: ["^build"], outputs: ["dist/**"] })
    const web = workspace.find((p) => p.manifest.name === "@ventureos/web")
    expect(web?.manifest.scripts?.build).toBe("vite build")
  })
})
