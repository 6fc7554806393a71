import { Agent as HttpAgent, type AgentOptions } from 'node:http'
import { Agent as HttpsAgent, type AgentOptions as HttpsAgentOptions } from 'node:https'
import { connect as netConnect, type Socket, type TcpNetConnectOpts } from 'node:net'
import type { LookupFunction } from './lookup.js'

/**
 * What `net.connect` needs to try every address the lookup answers. Node 20's `autoSelectFamily`
 * (happy eyeballs) asks the lookup with `all: true` and tries each address in turn, same family too: a
 * refused connection moves to the next address at once, a silent one after `attemptTimeoutMs` (checked:
 * `src/node/connect.test.ts`). So there is no connect loop of our own, only these options.
 */
export interface ConnectOptions {
  readonly lookup: LookupFunction
  readonly autoSelectFamily: true
  readonly autoSelectFamilyAttemptTimeout: number
}

export function connectOptions(lookup: LookupFunction, attemptTimeoutMs = 250): ConnectOptions {
  // Node clamps the attempt timeout to at least 10 ms.
  return { lookup, autoSelectFamily: true, autoSelectFamilyAttemptTimeout: Math.max(10, attemptTimeoutMs) }
}

/** `net.connect` with those options: a connection that survives a dead address among the answers. */
export function connect(
  options: ConnectOptions,
  target: Omit<TcpNetConnectOpts, 'lookup' | 'autoSelectFamily'>,
): Socket {
  return netConnect({ ...target, ...options } as TcpNetConnectOpts)
}

/** An `http.Agent` (keep-alive) whose connections resolve through the resolver and skip dead addresses. */
export function createHttpAgent(options: ConnectOptions, agent: AgentOptions = {}): HttpAgent {
  return new HttpAgent({ keepAlive: true, ...agent, ...options } as AgentOptions)
}

export function createHttpsAgent(options: ConnectOptions, agent: HttpsAgentOptions = {}): HttpsAgent {
  return new HttpsAgent({ keepAlive: true, ...agent, ...options } as HttpsAgentOptions)
}
