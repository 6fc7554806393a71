// Shared by the tests only (never imported by the runner); not a *.test.ts file, so vitest runs nothing here.
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { ChildSpec } from './supervisor.js'

export const fixture = fileURLToPath(new URL('./fixtures/endpoint.mjs', import.meta.url))

/** A port nobody listens on right now, on a loopback address of the test's choosing. */
export function freePort(address = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, address, () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** The fixture endpoint as a child spec on `port`, with extra fixture switches. */
export function fixtureChild(
  name: string,
  port: number,
  extra: Partial<ChildSpec> & { flags?: string[] } = {},
) {
  const { flags = [], ...rest } = extra
  return {
    name,
    command: process.execPath,
    args: [fixture, '--port', `${port}`, ...flags],
    cwd: process.cwd(),
    readyUrl: `http://127.0.0.1:${port}/health`,
    ...rest,
  }
}

/** Whether a process exists and is not a zombie (a container's PID 1 may never reap orphans). */
export function isAlive(pid: number): boolean {
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      // The state follows the command name in parentheses, which may itself hold spaces or parentheses.
      return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z'
    } catch {
      return false
    }
  }
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export const post = (url: string) => fetch(url, { method: 'POST', signal: AbortSignal.timeout(2000) })
