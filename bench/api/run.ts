/**
 * API benchmark (not a timed test). Run from the repo root:
 *
 *   pnpm exec tsx bench/api/run.ts                        # both phases
 *   BENCH_PHASES=company pnpm exec tsx bench/api/run.ts   # GET /api/company/:id vs the raw reads
 *   BENCH_PHASES=search pnpm exec tsx bench/api/run.ts    # GET /api/search over 100k companies
 *
 * company: starts dynalite (in-process), seeds companies, serves the API with `serve()`, then loads
 * `GET /api/company/:id` for BENCH_SECONDS with BENCH_CONCURRENCY loops of fetch (keep-alive), and the raw
 * DynamoDB reads the handler needs against the same store for as long. Prints p50/p90/p99 and req/s.
 *
 * search: starts dynalite (its own process unless BENCH_DYNALITE=inline), indexes BENCH_SEARCH_COMPANIES
 * (100,000) generated companies through the store's `putSearchEntries`, serves the API with `serve()` and
 * loads `GET /api/search` (exact names, prefixes, misspelled words) from a separate process at each
 * concurrency of BENCH_SEARCH_CONCURRENCY (1,4,16) for BENCH_SECONDS. Prints p50/p95/p99, req/s and how
 * often the company a query was made from is found.
 */
import { runBench } from "../../packages/api/test/bench/company"
import { benchPhases, runSearchBench } from "../../packages/api/test/bench/search"

const phases = benchPhases()

const main = async () => {
  if (phases.includes("company")) await runBench()
  if (phases.includes("search")) await runSearchBench()
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e)
    process.exit(1)
  }
)
