// The three upstreams every case forwards to: one nginx (1 worker, pinned to the client CPU with wrk)
// listening on three ports, so that the server CPU holds only the proxy under test.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setupError } from '../dns/errors.js'
import { logTail, startServer, type RunningServer } from '../dns/server-case.js'
import { sleep } from '../lib/proc.js'
import { largeBytes, upstreamNginx } from './configs.js'

export async function startUpstreams(
  dir: string,
  ports: readonly number[],
  cpu: string,
): Promise<RunningServer> {
  mkdirSync(join(dir, 'www'), { recursive: true })
  // A real file, so that nginx sends it with sendfile and proxies have to stream it.
  writeFileSync(join(dir, 'www', 'large'), Buffer.alloc(largeBytes, 'y'))
  const file = join(dir, 'nginx.conf')
  writeFileSync(file, upstreamNginx(dir, ports, process.getuid?.() === 0))
  const server = startServer({ dir, port: ports[0]!, cpu }, 'nginx', [
    '-c',
    file,
    '-p',
    dir,
    '-e',
    join(dir, 'error.log'),
  ])
  const deadline = Date.now() + 10_000
  for (const port of ports) {
    for (;;) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/large`, { signal: AbortSignal.timeout(1000) })
        const size = (await response.arrayBuffer()).byteLength
        if (response.status === 200 && size === largeBytes) break
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await server.stop()
        throw setupError(
          `upstream nginx did not serve :${port}/large; ${server.logFile}:\n${logTail(server.logFile)}`,
        )
      }
      await sleep(100)
    }
  }
  return server
}
