// The probed side of the health benchmark: N tiny HTTP servers in one process, counting requests.
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { count: { type: 'string' }, 'base-port': { type: 'string' } } })
const count = Number(values.count ?? 1000)
const basePort = Number(values['base-port'] ?? 21000)
let requests = 0

await Promise.all(
  Array.from({ length: count }, (_, i) => {
    const server = createServer((_req, res) => {
      requests++
      res.end('ok')
    })
    return new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(basePort + i, '127.0.0.1', resolve)
    })
  }),
)

process.on('message', (message) => {
  if (message === 'count') process.send?.({ requests })
})
process.send?.({ ready: true })
