import { Effect } from "effect"

/**
 * `VENTUREOS_TIMINGS=1`: one stderr line per timed step (`[scope] <wall ms> rss <MB>: <label> (cpu <ms>)`), read
 * by the benchmarks to see where a run's time goes; otherwise the effect unchanged. The CPU time is the
 * process's (all threads, DuckDB's included) during the step: on a shared machine it compares where wall
 * time does not.
 */
export const timed = <A, E, R>(
  scope: string,
  label: string,
  e: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  process.env.VENTUREOS_TIMINGS === "1"
    ? Effect.gen(function* () {
        const t0 = performance.now()
        const cpu0 = process.cpuUsage()
        const out = yield* e
        const cpu = process.cpuUsage(cpu0)
        const rss = Math.round(process.memoryUsage().rss / 1e6)
        process.stderr.write(
          `[${scope}] ${(performance.now() - t0).toFixed(0)} ms rss ${rss}: ${label} (cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms)\n`
        )
        return out
      })
    : e
