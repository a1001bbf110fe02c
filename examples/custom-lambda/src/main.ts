/**
 * `pnpm --filter @ventureos/example-custom-lambda start`: "upload" the bundled files into a local lake
 * (`$VENTUREOS_HOME`, default `./.ventureos`), invoke the handler with the S3 event they produce, then with
 * the same event again (a redelivery: everything is replayed, nothing is written).
 */
import { join, resolve } from "node:path"
import { fixtureEvent, uploadFixtures } from "./Fixtures"
import { makeHandler } from "./Handler"

const home = resolve(process.env.VENTUREOS_HOME ?? ".ventureos")
const lake = join(home, "lake")
await uploadFixtures(lake)
const handler = makeHandler({
  lake,
  warehouse: join(home, "warehouse"),
  log: (l) => process.stderr.write(`${l}\n`)
})
try {
  const event = await fixtureEvent()
  for (const delivery of ["first delivery", "redelivery"]) {
    const { processed, objects } = await handler(event)
    process.stderr.write(`${delivery}: ${processed} objects\n`)
    for (const o of objects)
      process.stderr.write(
        `  ${o.outcome.padEnd(8)} ${o.key} (${o.detail}; ${o.puts.length} archive writes)\n`
      )
    process.stdout.write(
      `${JSON.stringify({ delivery, processed, outcomes: objects.map((o) => o.outcome) })}\n`
    )
  }
} finally {
  await handler.dispose()
}
