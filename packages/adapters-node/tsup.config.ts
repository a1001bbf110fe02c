import { cpSync, existsSync, rmSync } from "node:fs"
import { defineConfig } from "tsup"
import { packageBuild } from "../../scripts/tsup-package"

/**
 * The library (`dist/index.js`) and the `ventureos` command (`dist/bin.js`, plain JavaScript). The
 * dashboards' build (`@ventureos/web`, private, built first by turbo) is copied to `dist/web` so the
 * published CLI serves it without that package.
 */
export default defineConfig(
  packageBuild({
    extraEntries: { bin: "src/bin.ts" },
    onSuccess: async () => {
      const web = "../web/dist"
      rmSync("dist/web", { recursive: true, force: true })
      if (existsSync(`${web}/index.html`)) cpSync(web, "dist/web", { recursive: true })
      else process.stderr.write(`adapters-node: ${web} has no build; dist/web not written\n`)
    }
  })
)
