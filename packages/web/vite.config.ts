import { defineConfig, loadEnv } from "vite"

/*
 * `pnpm --filter @ventureos/web dev` proxies /api to a running `ventureos serve` (VENTUREOS_API, default
 * http://127.0.0.1:8787), so the app talks to real data at the same origin as in production.
 */
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, ".", "")
  const target = env.VENTUREOS_API ?? "http://127.0.0.1:8787"
  return {
    oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
    build: { outDir: "dist", assetsDir: "assets", sourcemap: false, target: "es2022" },
    server: { proxy: { "/api": { target, changeOrigin: false } } },
    preview: { proxy: { "/api": { target, changeOrigin: false } } }
  }
})
