/**
 * Serving-layer benchmark (not a timed test). Run from the repo root:
 *
 *   pnpm exec tsx bench/serving/bench.ts                 # dynalite (in-process) and DynamoDB Local (Java 17)
 *   pnpm exec tsx bench/serving/bench.ts --target dynalite --entities 100000
 *
 * Reports items/s of the gold sync (syncStats) for N entities — first write, an unchanged re-sync, and a
 * re-sync with 10% changed — and the feed's write amplification (DynamoDB writes per ingested violation,
 * company + city + state, trims included) over simulated daily ingests.
 */
import { runBench } from "../../packages/serving/test/bench"

runBench().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e)
    process.exit(1)
  }
)
