import { defineConfig } from "tsup"

/**
 * Lambda bundles of the API v2 handlers: one self-contained ES module per entry point (`nodejs24.x`,
 * `index.handler` after renaming, or `<name>.handler`). Everything is bundled except what an API handler
 * must never load: DuckDB (68 MB native binding) and the embedded dynalite server (local runs only, reached
 * through a dynamic import). `bundle/api-sizes.ts` reports sizes and checks the bundles stay free of
 * DuckDB and Iceberg code.
 */
export default defineConfig({
  entry: {
    "api-company-handler": "src/api/api-company-handler.ts",
    "api-city-handler": "src/api/api-city-handler.ts",
    "api-config-handler": "src/api/api-config-handler.ts",
    "api-handler": "src/api/api-handler.ts",
    "summary-worker": "src/api/summary-worker.ts"
  },
  outDir: "dist/api",
  format: ["esm"],
  platform: "node",
  target: "node24",
  minify: true,
  treeshake: true,
  splitting: false,
  sourcemap: false,
  clean: true,
  dts: false,
  metafile: true,
  noExternal: [/.*/],
  external: ["@duckdb/node-api", "@duckdb/node-bindings", "dynalite"],
  outExtension: () => ({ js: ".mjs" }),
  // Bundled CommonJS (parts of the AWS SDK) calls require() for Node built-ins.
  banner: { js: 'import{createRequire as __cr}from"node:module";const require=__cr(import.meta.url);' }
})
