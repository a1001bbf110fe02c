// A real dynalite server in its own process, for fault tests: `node dynalite-child.cjs <dir> <port> [dieAfterWrites]`.
// Prints `{"port":N}` when listening. With dieAfterWrites, the process SIGKILLs itself when the next write
// request (PutItem, UpdateItem, DeleteItem, BatchWriteItem) arrives after that many: DynamoDB dying mid-sync.
const { createRequire } = require("node:module")
const { join } = require("node:path")
const dynalite = createRequire(join(__dirname, "..", "..", "..", "serving", "package.json"))("dynalite")
const [dir, port, dieAfter] = process.argv.slice(2)
const server = dynalite({ path: dir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
let writes = 0
if (dieAfter !== undefined) {
  server.prependListener("request", (req) => {
    const target = String(req.headers["x-amz-target"] ?? "")
    if (/\.(PutItem|UpdateItem|DeleteItem|BatchWriteItem)$/.test(target) && ++writes > Number(dieAfter))
      process.kill(process.pid, "SIGKILL")
  })
}
server.listen(Number(port), "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`)
})
