// The example page's server: a few folders over plain HTTP, read-only, on loopback. Enough for ES modules
// in a browser (they need a real origin and a JavaScript MIME type; file:// gives neither), nothing more.
import { readFile, stat } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { extname, join, resolve, sep } from 'node:path'

export interface StaticMount {
  /** URL prefix, starting and ending with `/`: `/`, `/client/`. */
  prefix: string
  /** The folder served under it. */
  dir: string
}

export interface StaticServerOptions {
  address: string
  /** 0 picks a free port. */
  port: number
  /** The longest matching prefix wins. */
  mounts: readonly StaticMount[]
}

export interface StaticServer {
  /** `http://address:port` */
  readonly url: string
  close(): Promise<void>
}

const mimeTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
}

/**
 * The file a URL path names under the mounts, or undefined: no mount, an encoded separator or NUL, or a
 * path that leaves its folder after `..` is resolved. A folder maps to its `index.html`.
 */
export function staticFile(mounts: readonly StaticMount[], urlPath: string): string | undefined {
  let path: string
  try {
    path = decodeURIComponent(urlPath)
  } catch {
    return undefined
  }
  if (path.includes('\0') || path.includes('\\') || urlPath.toLowerCase().includes('%2f')) return undefined
  const mount = [...mounts]
    .sort((a, b) => b.prefix.length - a.prefix.length)
    .find((m) => path.startsWith(m.prefix))
  if (mount === undefined) return undefined
  const root = resolve(mount.dir)
  const file = resolve(root, `.${sep}${path.slice(mount.prefix.length)}`)
  if (file !== root && !file.startsWith(root + sep)) return undefined
  return path.endsWith('/') ? join(file, 'index.html') : file
}

/** Serves GET and HEAD of files under the mounts; everything else is 404 or 405. */
export async function startStaticServer({
  address,
  port,
  mounts,
}: StaticServerOptions): Promise<StaticServer> {
  const server: Server = createServer((request, response) => {
    void (async () => {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response
          .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' })
          .end('method not allowed\n')
        return
      }
      const urlPath = (request.url ?? '/').split('?')[0] ?? '/'
      const file = staticFile(mounts, urlPath)
      const type = file === undefined ? undefined : mimeTypes[extname(file)]
      if (file === undefined || type === undefined || !(await isFile(file))) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
        return
      }
      const body = await readFile(file)
      response.writeHead(200, {
        'content-type': type,
        'content-length': body.length,
        // The page and the client change while developing; a reload must show the new ones.
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      })
      response.end(request.method === 'HEAD' ? undefined : body)
    })().catch(() => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' })
      response.end()
    })
  })
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject)
    server.listen({ host: address, port, exclusive: true }, () => resolvePromise())
  })
  const bound = server.address()
  const boundPort = typeof bound === 'object' && bound !== null ? bound.port : port
  return {
    url: `http://${address}:${boundPort}`,
    close: () =>
      new Promise((resolvePromise) => {
        server.closeAllConnections()
        server.close(() => resolvePromise())
      }),
  }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile()
  } catch {
    return false
  }
}
