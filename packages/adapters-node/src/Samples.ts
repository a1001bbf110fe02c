import { readdirSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/** The real sample files bundled with the package (public-domain agency records). */
export const samplesDir = (): string => join(dirname(fileURLToPath(import.meta.url)), "..", "samples")

export const samplePaths = (): Array<string> =>
  readdirSync(samplesDir())
    .filter((f) => f.endsWith(".csv"))
    .sort()
    .map((f) => join(samplesDir(), f))
