/**
 * API benchmark (not a timed test). Run from the repo root:
 *
 *   pnpm exec tsx bench/api/run.ts
 *   BENCH_SECONDS=20 BENCH_CONCURRENCY=16 BENCH_COMPANIES=500 pnpm exec tsx bench/api/run.ts
 *
 * Starts dynalite (in-process), seeds companies, serves the API with `serve()`, then loads
 * `GET /api/company/:id` for BENCH_SECONDS with BENCH_CONCURRENCY loops of fetch (keep-alive), and the raw
 * DynamoDB reads the handler needs against the same store for as long. Prints p50/p90/p99 and req/s.
 */
import { runBench } from "../../packages/api/test/bench/company"

runBench().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e)
    process.exit(1)
  }
)
