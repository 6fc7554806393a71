// The client's memory of bad addresses, as OkHttp's route database: an address whose connection was
// reset or refused is tried last for a while, so a request sent again after a router died goes to the
// next address even when the cached answer still lists the dead one first (a connect that lands in the
// dying process's listen queue is reset, not refused).
import type { LookupFunction } from '@nines/client/node'
import type { LookupAddress } from 'node:dns'
import type { Socket } from 'node:net'
import { buildConnector } from 'undici'
import { errorCode, isConnectionError } from './outcome.js'

export interface RouteMemory {
  /** `lookup` with the recently failed addresses moved last. */
  readonly lookup: LookupFunction
  /** undici's `connect`: records where each connection went and marks the address when it fails. */
  readonly connect: buildConnector.connector
}

export function routeMemory(
  lookup: LookupFunction,
  connectAttemptTimeoutMs: number,
  rememberMs = 3000,
): RouteMemory {
  const failedUntil = new Map<string, number>()
  const failing = (address: string) => (failedUntil.get(address) ?? 0) > Date.now()
  const markFailed = (address: string | undefined) => {
    if (address !== undefined) failedUntil.set(address, Date.now() + rememberMs)
  }

  const ordered: LookupFunction = (hostname, options, callback) => {
    const cb = (typeof options === 'function' ? options : callback)!
    const opts = typeof options === 'object' && options !== null ? options : {}
    const family = typeof options === 'number' ? options : opts.family
    lookup(hostname, { ...opts, ...(family !== undefined && { family }), all: true }, (error, result) => {
      if (error) return cb(error, opts.all ? [] : '', 0)
      const all = result as LookupAddress[]
      const sorted = [...all.filter((a) => !failing(a.address)), ...all.filter((a) => failing(a.address))]
      if (opts.all) cb(null, sorted)
      else cb(null, sorted[0]!.address, sorted[0]!.family)
    })
  }

  const connector = buildConnector({
    lookup: ordered,
    autoSelectFamily: true,
    autoSelectFamilyAttemptTimeout: Math.max(10, connectAttemptTimeoutMs),
  } as buildConnector.BuildOptions)

  const connect: buildConnector.connector = (options, callback) =>
    connector(options, (error, socket) => {
      if (error) {
        // Every address refused: each one tried is in the aggregate.
        const tried = (error as { errors?: { address?: string }[] }).errors ?? []
        for (const e of tried) markFailed(e.address)
      } else {
        const remote = (socket as Socket).remoteAddress
        ;(socket as Socket).on('error', (e) => {
          if (isConnectionError(errorCode(e))) markFailed(remote)
        })
      }
      callback(error as Error & null, socket as Socket & null)
    })

  return { lookup: ordered, connect }
}
