/**
 * `pnpm --filter @ventureos/example-repeat-offender-service start`: ingest the bundled rows into
 * `$VENTUREOS_HOME` (default `./.ventureos`) and serve `GET /repeat-offender?company=…` on `$PORT` (8788).
 */
import { resolve } from "node:path"
import { start } from "./App"

const home = resolve(process.env.VENTUREOS_HOME ?? ".ventureos")
const service = await start({ home, port: Number(process.env.PORT ?? 8788) })
for (const b of service.ingested)
  process.stderr.write(
    `${b.key}: ${b.status} rows=${b.rows} inserted=${b.inserted} unchanged=${b.unchanged}\n`
  )
process.stderr.write(
  `lake: ${home}\ntry:\n  curl '${service.url}/repeat-offender?company=U.S.%20Department%20of%20Justice'\n` +
    `  curl '${service.url}/repeat-offender?company=department-of-justice-bureau-of-prisons'\n`
)
process.stdout.write(`${JSON.stringify({ listening: service.url, home })}\n`)
const stop = () => void service.close().then(() => process.exit(0))
process.once("SIGINT", stop)
process.once("SIGTERM", stop)
