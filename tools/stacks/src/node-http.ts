import { createServer, type Server } from 'node:http'
import { CONTROL_PREFIX, appReply, controlReply, type Behaviour } from './mode.js'

/** Stack A: Node's own `node:http`. */
export function nodeHttpStack(name: string, behaviour: Behaviour, onCrash: () => void): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo')
    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      const reply = controlReply(req.method ?? 'GET', url, behaviour)
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body, () => {
        if (reply.crash) onCrash()
      })
      return
    }
    void appReply('node-http', name, url.pathname, behaviour).then((reply) => {
      if (reply) res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body)
    })
  })
}
