import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { S3Client } from "@aws-sdk/client-s3"
import S3rver from "s3rver"

/** Start s3rver on a free port with one bucket, and an S3 client pointed at it (path-style). */
export const startS3 = async (bucket: string) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "vos-s3rver-"))
  const server = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory: dir,
    configureBuckets: [{ name: bucket, configs: [] }]
  })
  const addr = await server.run()
  const client = new S3Client({
    endpoint: `http://127.0.0.1:${addr.port}`,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }
  })
  return {
    client,
    close: async () => {
      client.destroy()
      await server.close()
      await fs.rm(dir, { recursive: true, force: true })
    }
  }
}
