// What the report says about the machine and the software measured, read at run time.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, release, totalmem } from 'node:os'

function firstLine(command: string, args: readonly string[]): string | undefined {
  try {
    // nginx -v writes to stderr; 2>&1 through sh keeps both.
    const out = execFileSync('sh', ['-c', '"$0" "$@" 2>&1', command, ...args], {
      encoding: 'utf8',
      timeout: 5000,
    })
    return out.split('\n')[0]?.trim()
  } catch {
    return undefined
  }
}

export function versions(): Record<string, string> {
  const found: Record<string, string> = { node: process.version }
  try {
    const undici = new URL('../../../../node_modules/undici/package.json', import.meta.url)
    found['undici'] = (JSON.parse(readFileSync(undici, 'utf8')) as { version: string }).version
  } catch {
    // not installed where expected
  }
  const tools: [string, string, string[], RegExp][] = [
    ['haproxy', 'haproxy', ['-v'], /version (\S+)/],
    ['nginx', 'nginx', ['-v'], /nginx\/(\S+)/],
    ['wrk', 'wrk', ['-v'], /wrk (\S+)/],
  ]
  for (const [name, command, args, pattern] of tools) {
    const line = firstLine(command, args)
    const version = line && pattern.exec(line)?.[1]
    if (version) found[name] = version
  }
  return found
}

export function machineFacts(): string[] {
  const model = cpus()[0]?.model ?? 'unknown CPU'
  return [
    `${cpus().length} vCPU (${model})`,
    `${Math.round(totalmem() / 2 ** 30)} GiB RAM`,
    `Linux ${release()}`,
  ]
}
