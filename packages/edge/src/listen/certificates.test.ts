import { once } from 'node:events'
import { renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect, type TLSSocket } from 'node:tls'
import { afterEach, describe, expect, it } from 'vitest'
import { isNinesError, type Logger } from '@nines/core'
import { cleanups, hostPort, openForTest, runCleanups, selfSigned, tempDir } from './testing.js'

afterEach(runCleanups)

/** A TLS connection to the listener, sending `servername` (none when undefined). */
async function tlsConnect(address: string, servername?: string): Promise<TLSSocket> {
  const { host, port } = hostPort(address)
  const socket = connect({ host, port, rejectUnauthorized: false, ...(servername ? { servername } : {}) })
  cleanups.push(() => void socket.destroy())
  await once(socket, 'secureConnect')
  return socket
}

async function servedCn(address: string, servername?: string): Promise<string> {
  const socket = await tlsConnect(address, servername)
  const cn = socket.getPeerCertificate().subject.CN
  socket.destroy()
  return String(cn)
}

/** One HTTP/1.1 request on an open (keep-alive) TLS connection; resolves with the body. */
async function requestOn(socket: TLSSocket): Promise<string> {
  // A data listener, not `for await`: leaving an async iterator early would destroy the socket.
  return new Promise((resolve, reject) => {
    let text = ''
    const onData = (chunk: Buffer): void => {
      text += chunk.toString()
      const end = text.indexOf('\r\n\r\n')
      const length = Number(/content-length: (\d+)/i.exec(text)?.[1] ?? 0)
      if (end === -1 || text.length < end + 4 + length) return
      socket.off('data', onData).off('close', onClose)
      resolve(text.slice(end + 4))
    }
    const onClose = (): void => reject(new Error(`connection closed after ${JSON.stringify(text)}`))
    socket.on('data', onData).once('close', onClose)
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
  })
}

function recordingLogger(): Logger & { errors: string[] } {
  const errors: string[] = []
  const ignore = (): void => {}
  return {
    debug: ignore,
    info: ignore,
    warn: ignore,
    error: (fields) => errors.push(JSON.stringify(fields)),
    errors,
  }
}

/** Replaces a file as editors and cert-manager tools do: write beside it, then rename over it. */
function atomicCopy(
  from: { certFile: string; keyFile: string },
  to: { certFile: string; keyFile: string },
): void {
  renameSync(from.keyFile, to.keyFile)
  renameSync(from.certFile, to.certFile)
}

describe('TLS listeners', () => {
  it('chooses the certificate by SNI: exact, longest wildcard, else the default', async () => {
    const dir = tempDir()
    const listeners = await openForTest({
      tls: {
        listen: ['127.0.0.1:0'],
        certificates: [
          { ...selfSigned(dir, 'wide', ['wide.nines.test']), serverNames: ['*.nines.test'] },
          {
            ...selfSigned(dir, 'api', ['api.nines.test']),
            serverNames: ['api.nines.test', '*.eu.nines.test'],
          },
          selfSigned(dir, 'default', ['default.test']),
        ],
      },
    })
    const address = listeners.addresses[0]!
    expect(address).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    expect(await servedCn(address, 'api.nines.test')).toBe('api.nines.test')
    expect(await servedCn(address, 'x.eu.nines.test')).toBe('api.nines.test')
    expect(await servedCn(address, 'www.nines.test')).toBe('wide.nines.test')
    expect(await servedCn(address, 'elsewhere.example')).toBe('default.test')
    expect(await servedCn(address)).toBe('default.test')
    const socket = await tlsConnect(address, 'api.nines.test')
    expect(await requestOn(socket)).toBe('ok')
  })

  it('names the configuration path of a certificate that cannot be read or used', async () => {
    const dir = tempDir()
    const good = selfSigned(dir, 'good', ['good.test'])
    const other = selfSigned(dir, 'other', ['other.test'])
    const missing = join(dir, 'missing.pem')
    const open = (certificates: { certFile: string; keyFile: string; serverNames?: string[] }[]) =>
      openForTest({ tls: { listen: ['127.0.0.1:0'], certificates } })

    await expect(
      open([
        { ...good, serverNames: ['good.test'] },
        { certFile: missing, keyFile: good.keyFile },
      ]),
    ).rejects.toSatisfy(
      (error) =>
        isNinesError(error, 'NINES_ERR_CERTIFICATE_READ') &&
        error.message === `tls.certificates[1].certFile: cannot read ${missing}: ENOENT`,
    )
    await expect(open([{ certFile: good.certFile, keyFile: other.keyFile }])).rejects.toSatisfy(
      (error) =>
        isNinesError(error, 'NINES_ERR_CERTIFICATE_INVALID') &&
        error.message.startsWith('tls.certificates[0]: '),
    )
  })

  it('serves rewritten files to new connections while an open connection keeps working', async () => {
    const dir = tempDir()
    const api = selfSigned(dir, 'api', ['api.nines.test'])
    const fallback = selfSigned(dir, 'default', ['old-default.test'])
    const listeners = await openForTest(
      {
        tls: {
          listen: ['127.0.0.1:0'],
          certificates: [{ ...api, serverNames: ['api.nines.test'] }, fallback],
        },
      },
      { certificateDebounceMs: 50 },
    )
    const address = listeners.addresses[0]!
    const kept = await tlsConnect(address, 'api.nines.test')
    expect(await requestOn(kept)).toBe('ok')
    expect(await servedCn(address)).toBe('old-default.test')

    // Atomic-rename saves in the watched directory, no explicit reload.
    atomicCopy(selfSigned(dir, 'api-next', ['api-v2.nines.test']), api)
    atomicCopy(selfSigned(dir, 'default-next', ['new-default.test']), fallback)
    await expect.poll(() => servedCn(address, 'api.nines.test'), { timeout: 5000 }).toBe('api-v2.nines.test')
    await expect.poll(() => servedCn(address), { timeout: 5000 }).toBe('new-default.test')

    expect(await requestOn(kept)).toBe('ok')
    expect(kept.getPeerCertificate().subject.CN).toBe('api.nines.test')
  })

  it('keeps the old certificate when a new file is bad, logs it, and takes the next good one', async () => {
    const dir = tempDir()
    const api = selfSigned(dir, 'api', ['api.nines.test'])
    const logger = recordingLogger()
    const listeners = await openForTest(
      { tls: { listen: ['127.0.0.1:0'], certificates: [api] } },
      { logger, watchCertificates: false },
    )
    const address = listeners.addresses[0]!
    writeFileSync(api.certFile, 'not a certificate')
    await expect(listeners.reloadCertificates()).rejects.toSatisfy((error) =>
      isNinesError(error, 'NINES_ERR_CERTIFICATE_INVALID'),
    )
    expect(logger.errors).toHaveLength(1)
    expect(await servedCn(address, 'api.nines.test')).toBe('api.nines.test')

    atomicCopy(selfSigned(dir, 'api-next', ['api-v2.nines.test']), api)
    await listeners.reloadCertificates()
    expect(await servedCn(address, 'api.nines.test')).toBe('api-v2.nines.test')
  })
})
