// Before measuring, each server must give the same DoH answer: `svc.example.test A` → the 3 target
// addresses, asked with kdig over HTTPS as a client would, trusting only the bench's local CA (so the
// certificate and its SAN are checked too).
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { sleep } from '../lib/proc.js'
import { answerAddresses } from '../dns/verify.js'
import { queryName, targetAddresses } from '../dns/zone.js'

const run = promisify(execFile)

export function kdigArgs(port: number, caFile: string): string[] {
  return [
    ...['@127.0.0.1', '-p', String(port), `+https=/dns-query`, `+tls-ca=${caFile}`],
    ...[queryName, 'A', '+noall', '+answer', '+time=2', '+retry=0'],
  ]
}

export async function kdigDoh(port: number, caFile: string): Promise<string[]> {
  try {
    const { stdout } = await run('kdig', kdigArgs(port, caFile), { timeout: 5000 })
    return answerAddresses(stdout)
  } catch {
    return [] // timeout, refused certificate or no server yet
  }
}

const expected = [...targetAddresses].sort().join(' ')

/** Polls until the DoH answer is the 3 target addresses; undefined when it is, else what it last was. */
export async function waitForDohAnswer(
  port: number,
  caFile: string,
  timeoutMs = 20_000,
): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const answer = (await kdigDoh(port, caFile)).join(' ')
    if (answer === expected) return undefined
    if (Date.now() > deadline) return `expected [${expected}], got [${answer}]`
    await sleep(500)
  }
}
