/**
 * Dashboard benchmark (not a timed test). Run from the repo root:
 *
 *   pnpm exec tsx bench/web/run.ts
 *   BENCH_COMPANIES=100000 BENCH_NAVIGATIONS=50 pnpm exec tsx bench/web/run.ts
 *
 * Seeds BENCH_COMPANIES companies into an in-memory dynalite through the serving store's write path, serves
 * the API and a fresh build of the web app with `serve()`, then times BENCH_NAVIGATIONS navigations to
 * random company pages in headless Chromium: from navigation start until the totals and the history
 * chart are visible. Prints median / p95 and the first-load JS size (gzip) as the last stdout line.
 */
import { runWebBench } from "../../packages/adapters-node/test/web/bench"

runWebBench().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e)
    process.exit(1)
  }
)
