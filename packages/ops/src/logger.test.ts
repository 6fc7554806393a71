import { describe, expect, it } from 'vitest'
import { createLogger, setLogLevel, silentLogger } from './logger.js'

function capture() {
  const lines: Record<string, unknown>[] = []
  return { lines, destination: { write: (chunk: string) => void lines.push(JSON.parse(chunk)) } }
}

describe('setLogLevel', () => {
  it('changes the level of the logger and of the children made before, down to grandchildren', () => {
    const { lines, destination } = capture()
    const log = createLogger({ name: 'nines-dns', destination })
    const child = log.child({ component: 'dns' })
    const grandchild = child.child({ listener: 'udp' })
    grandchild.debug('hidden at info')
    setLogLevel(log, 'debug')
    grandchild.debug('shown at debug')
    child.debug('also shown')
    log.child({ component: 'later' }).debug('a later child inherits it')
    setLogLevel(log, 'warn')
    child.info('hidden at warn')
    expect(lines.map((l) => l.msg)).toEqual(['shown at debug', 'also shown', 'a later child inherits it'])
    expect(() => setLogLevel(log, 'loud' as never)).toThrow('Expected `level` to be one of')
  })
})

describe('createLogger', () => {
  it('writes JSON lines with the name, an ISO timestamp, pid, hostname and base fields', () => {
    const { lines, destination } = capture()
    const log = createLogger({ name: 'nines-dns', destination, base: { instance: 'ns1' } })
    log.info({ pool: 'app' }, 'pool changed')
    expect(lines).toHaveLength(1)
    const line = lines[0] ?? {}
    expect(line).toMatchObject({
      name: 'nines-dns',
      level: 30,
      instance: 'ns1',
      pool: 'app',
      msg: 'pool changed',
    })
    expect(line.pid).toBe(process.pid)
    expect(typeof line.hostname).toBe('string')
    expect(new Date(String(line.time)).toISOString()).toBe(line.time)
  })

  it('redacts authorization and token fields, also nested', () => {
    const { lines, destination } = capture()
    const log = createLogger({ name: 'nines-edge', destination })
    log.info(
      {
        token: 'secret-1',
        authorization: 'Bearer secret-2',
        req: { headers: { authorization: 'Bearer secret-3', host: 'admin' } },
        config: { admin: { port: 9153, token: 'secret-4' } },
      },
      'loaded',
    )
    const text = JSON.stringify(lines)
    expect(text).not.toMatch(/secret-\d/)
    expect(lines[0]).toMatchObject({
      token: '[Redacted]',
      authorization: '[Redacted]',
      req: { headers: { authorization: '[Redacted]', host: 'admin' } },
      config: { admin: { port: 9153, token: '[Redacted]' } },
    })
  })

  it('drops lines below the level and child loggers keep the setup', () => {
    const { lines, destination } = capture()
    const log = createLogger({ name: 'nines-dns', level: 'warn', destination })
    log.info('hidden')
    log.child({ pkg: 'health' }).warn({ token: 'secret' }, 'endpoint down')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({ name: 'nines-dns', pkg: 'health', level: 40, token: '[Redacted]' })
  })

  it('rejects an unknown level', () => {
    expect(() => createLogger({ name: 'x', level: 'verbose' as 'info' })).toThrow(
      expect.objectContaining({ code: 'NINES_ERR_INVALID_ARGUMENT' }),
    )
  })
})

describe('silentLogger', () => {
  it('has every level disabled', () => {
    const log = silentLogger()
    expect(log.isLevelEnabled('fatal')).toBe(false)
    expect(log.child({ pkg: 'x' }).isLevelEnabled('error')).toBe(false)
  })
})
