// Before measuring, each server must give the same answer: `svc.example.test A` → the 3 target addresses,
// for both query shapes. Asked with dig, as a user would.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { sleep } from '../lib/proc.js'
import type { Shape } from './dnsperf.js'
import { queryName, targetAddresses } from './zone.js'

const run = promisify(execFile)

const digShape: Record<Shape, readonly string[]> = {
  plain: ['+noedns'],
  ecs: ['+subnet=192.0.2.0/24'],
}

/** The A addresses in dig's answer section, sorted. */
export function answerAddresses(digOutput: string): string[] {
  return digOutput
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[3] === 'A' && fields[4] !== undefined)
    .map((fields) => fields[4]!)
    .sort()
}

export async function dig(port: number, shape: Shape): Promise<string[]> {
  const args = ['@127.0.0.1', '-p', String(port), queryName, 'A', '+noall', '+answer', '+time=1', '+tries=1']
  try {
    const { stdout } = await run('dig', [...args, ...digShape[shape]], { timeout: 5000 })
    return answerAddresses(stdout)
  } catch {
    return [] // timeout or no server yet
  }
}

const expected = [...targetAddresses].sort().join(' ')

/**
 * Polls until the server answers both shapes with the 3 target addresses (health-aware servers need a
 * probe round first). Returns undefined when it does, else what it last answered.
 */
export async function waitForAnswer(
  port: number,
  shapes: readonly Shape[],
  timeoutMs = 20_000,
): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  for (;;) {
    const answers = await Promise.all(shapes.map((shape) => dig(port, shape)))
    last = shapes.map((shape, i) => `${shape}: [${answers[i]!.join(' ')}]`).join(', ')
    if (answers.every((addresses) => addresses.join(' ') === expected)) return undefined
    if (Date.now() > deadline) return `expected [${expected}], got ${last}`
    await sleep(500)
  }
}
