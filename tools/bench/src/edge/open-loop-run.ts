// Runs the open-loop generator (open-loop.ts) as its own process on the client CPU, bounded in time.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { runError } from '../dns/errors.js'
import type { OpenLoopResult } from './open-loop.js'

export const generatorScript = fileURLToPath(new URL('./open-loop.js', import.meta.url))
export const warmupSeconds = 1

export async function runOpenLoop(
  url: string,
  rate: number,
  seconds: number,
  cpu: string,
): Promise<OpenLoopResult> {
  const args = [generatorScript, url, String(Math.round(rate)), String(seconds), String(warmupSeconds)]
  const child = spawn('taskset', ['-c', cpu, process.execPath, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  let errors = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk))
  // warm-up + run + the generator's own 5 s drain + start-up margin
  const limit = setTimeout(() => child.kill('SIGKILL'), (warmupSeconds + seconds + 15) * 1000)
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', () => resolve())
  })
  clearTimeout(limit)
  try {
    return JSON.parse(output) as OpenLoopResult
  } catch {
    throw runError(
      `open-loop ${args.slice(1).join(' ')} failed (exit ${child.exitCode}):\n${output}${errors}`,
    )
  }
}
