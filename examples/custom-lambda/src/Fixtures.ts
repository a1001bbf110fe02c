import { cp, readFile } from "node:fs/promises"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures")

/**
 * Stand-in for the upload that precedes an S3 event: copy `fixtures/bucket/` (real OSHA and FAA rows under
 * their bronze keys) into the local lake folder, as the agency download job would put them in the bucket.
 */
export const uploadFixtures = (lake: string): Promise<void> =>
  cp(join(fixtures, "bucket"), lake, { recursive: true })

/** The S3 notification those uploads produce (`fixtures/s3-event.json`, the shape S3 sends). */
export const fixtureEvent = async (): Promise<unknown> =>
  JSON.parse(await readFile(join(fixtures, "s3-event.json"), "utf8"))
