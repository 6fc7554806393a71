import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

export const benchmarksFile = fileURLToPath(new URL('../../../../docs/benchmarks.md', import.meta.url))

const header = `# Benchmarks

Every figure here is written by a script in \`tools/bench/\` that runs nines and its peers side by side,
in the same run, on loopback. The machine is a shared 2-core VM, so read medians and ratios, not absolutes.
Rerun a section with the command given in it.
`

/**
 * Replaces (or appends) the section between this benchmark's markers, leaving the others alone.
 * `file` defaults to docs/benchmarks.md; tests pass a temporary file.
 */
export async function writeSection(name: string, body: string, file: string = benchmarksFile): Promise<void> {
  const start = `<!-- bench:${name} -->`
  const end = `<!-- /bench:${name} -->`
  let text = await readFile(file, 'utf8').catch(() => header)
  const section = `${start}\n${body.trim()}\n${end}`
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  text =
    from >= 0 && to > from
      ? text.slice(0, from) + section + text.slice(to + end.length)
      : `${text.trimEnd()}\n\n${section}\n`
  await writeFile(file, text)
}

export function table(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n')
}

/** The doc is checked by `npm run format:check`, so let prettier align tables the way it wants them. */
export function formatBenchmarks(file: string = benchmarksFile): void {
  const prettier = fileURLToPath(new URL('../../../../node_modules/.bin/prettier', import.meta.url))
  if (existsSync(prettier)) execFileSync(prettier, ['--write', file], { stdio: 'ignore', timeout: 60_000 })
  else console.warn(`prettier not found; run npx prettier --write ${file}`)
}
