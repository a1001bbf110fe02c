import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { makeMemory } from "../../src/Catalog"
import * as CatalogFileSystem from "../../src/CatalogFileSystem"
import * as CatalogRest from "../../src/CatalogRest"
import { startRestCatalog } from "../RestCatalogServer"
import { catalogSuite } from "./CatalogSuite"

const tmp = () => fs.mkdtemp(path.join(os.tmpdir(), "vos-cat-"))

catalogSuite("memory", async () => ({
  catalog: makeMemory("file:///tmp/none"),
  close: async () => undefined
}))

catalogSuite("filesystem", async () => {
  const dir = await tmp()
  return {
    catalog: CatalogFileSystem.make({ warehouse: dir }),
    close: () => fs.rm(dir, { recursive: true, force: true })
  }
})

catalogSuite("REST (SigV4, s3tables)", async () => {
  const dir = await tmp()
  const server = await startRestCatalog({ warehouse: `file://${dir}`, sigv4Service: "s3tables" })
  return {
    catalog: CatalogRest.make({
      uri: server.url,
      warehouse: "arn:aws:s3tables:us-east-1:111122223333:bucket/test",
      sigv4: {
        service: "s3tables",
        region: "us-east-1",
        credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret" }
      }
    }),
    close: async () => {
      await server.close()
      await fs.rm(dir, { recursive: true, force: true })
    }
  }
})
