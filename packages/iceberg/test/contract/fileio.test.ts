import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { makeLocal, toFileUri } from "../../src/FileIO"
import * as FileIOS3 from "../../src/FileIOS3"
import { fileIOSuite } from "./FileIOSuite"
import { startS3 } from "./S3Server"

fileIOSuite("local filesystem", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "vos-io-"))
  return { io: makeLocal(), root: toFileUri(dir), close: () => fs.rm(dir, { recursive: true, force: true }) }
})

fileIOSuite("S3 (s3rver, multipart)", async () => {
  const s3 = await startS3("lake")
  const cache = await fs.mkdtemp(path.join(os.tmpdir(), "vos-s3cache-"))
  return {
    io: FileIOS3.make({
      client: s3.client,
      cacheDir: cache,
      multipartThresholdBytes: 6 * 1024 * 1024,
      partSizeBytes: 5 * 1024 * 1024
    }),
    root: "s3://lake/warehouse",
    bigUpload: 11 * 1024 * 1024 + 17,
    close: async () => {
      await s3.close()
      await fs.rm(cache, { recursive: true, force: true })
    }
  }
})
