import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { staticFile, startStaticServer, type StaticServer } from './static-server.js'

const dir = mkdtempSync(join(tmpdir(), 'nines-static-'))
const page = join(dir, 'page')
const client = join(dir, 'client')
const mounts = [
  { prefix: '/', dir: page },
  { prefix: '/client/', dir: client },
]

describe('staticFile', () => {
  it.each([
    ['/', join(page, 'index.html')],
    ['/app.js', join(page, 'app.js')],
    ['/client/index.js', join(client, 'index.js')],
    ['/client/', join(client, 'index.html')],
    ['/a/../app.js', join(page, 'app.js')],
    ['/..', undefined],
    ['/../secret', undefined],
    ['/client/../../secret', undefined],
    ['/%2e%2e/secret', undefined],
    ['/client/..%2f..%2fsecret', undefined],
    ['/x%5c..%5csecret', undefined],
    ['/a%00.js', undefined],
    ['/%E0%A4%A', undefined],
  ])('%s → %s', (path, file) => {
    expect(staticFile(mounts, path)).toBe(file)
  })
})

describe('startStaticServer', () => {
  let server: StaticServer
  beforeAll(async () => {
    mkdirSync(page)
    mkdirSync(client)
    writeFileSync(join(page, 'index.html'), '<!doctype html><title>t</title>')
    writeFileSync(join(page, 'app.js'), 'export {}')
    writeFileSync(join(client, 'index.js'), 'export const x = 1')
    writeFileSync(join(dir, 'secret'), 'secret')
    server = await startStaticServer({ address: '127.0.0.1', port: 0, mounts })
  })
  afterAll(async () => {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const get = (path: string, method = 'GET') => fetch(`${server.url}${path}`, { method })

  it('serves the page and the client with the MIME types a browser needs for modules', async () => {
    const index = await get('/')
    expect([index.status, index.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8'])
    const js = await get('/client/index.js?v=1')
    expect([js.status, js.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8'])
    expect(await js.text()).toBe('export const x = 1')
    const head = await get('/app.js', 'HEAD')
    expect([head.status, head.headers.get('content-length'), await head.text()]).toEqual([200, '9', ''])
  })

  it('refuses what is not a file under a mount, and other methods', async () => {
    expect((await get('/missing.js')).status).toBe(404)
    expect((await get('/client/')).status).toBe(404)
    expect((await get('/app.js', 'POST')).status).toBe(405)
    // fetch normalises `..` away; a raw request line does not.
    const raw = await new Promise<number | undefined>((resolve, reject) => {
      const url = new URL(server.url)
      request({ host: url.hostname, port: url.port, path: '/client/../../secret' }, (response) => {
        response.resume()
        resolve(response.statusCode)
      })
        .on('error', reject)
        .end()
    })
    expect(raw).toBe(404)
    expect((await get('/client/..%2f..%2fsecret')).status).toBe(404)
  })
})
