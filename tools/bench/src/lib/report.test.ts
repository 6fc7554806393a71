import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { table, writeSection } from './report.js'

describe('table', () => {
  it('writes a markdown table with one separator cell per column', () => {
    expect(
      table(
        ['case', 'q/s'],
        [
          ['a', 1],
          ['b', '2.5'],
        ],
      ),
    ).toBe('| case | q/s |\n| --- | --- |\n| a | 1 |\n| b | 2.5 |')
  })
})

describe('writeSection', () => {
  let dir: string
  let file: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nines-bench-report-'))
    file = join(dir, 'benchmarks.md')
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  it('creates the file with the header when it is missing', async () => {
    await writeSection('dns', 'first', file)
    const text = await readFile(file, 'utf8')
    expect(text.startsWith('# Benchmarks')).toBe(true)
    expect(text).toContain('<!-- bench:dns -->\nfirst\n<!-- /bench:dns -->')
  })

  it('replaces only its own section and keeps the rest byte for byte', async () => {
    const before = [
      '# Title',
      '',
      'intro',
      '',
      '<!-- bench:health -->',
      'health body',
      '<!-- /bench:health -->',
      '',
      '<!-- bench:dns -->',
      'old dns',
      '<!-- /bench:dns -->',
      '',
      'footer',
      '',
    ].join('\n')
    await writeFile(file, before)
    await writeSection('dns', '  new dns\n', file)
    expect(await readFile(file, 'utf8')).toBe(before.replace('old dns', 'new dns'))
  })

  it('appends a section that is not there yet after the others', async () => {
    await writeFile(file, '# Title\n\n<!-- bench:health -->\nh\n<!-- /bench:health -->\n')
    await writeSection('dns', 'd', file)
    expect(await readFile(file, 'utf8')).toBe(
      '# Title\n\n<!-- bench:health -->\nh\n<!-- /bench:health -->\n\n<!-- bench:dns -->\nd\n<!-- /bench:dns -->\n',
    )
  })

  it('does not take a section whose name only starts the same', async () => {
    await writeFile(file, '<!-- bench:dns-tcp -->\nkeep\n<!-- /bench:dns-tcp -->\n')
    await writeSection('dns', 'd', file)
    const text = await readFile(file, 'utf8')
    expect(text).toContain('<!-- bench:dns-tcp -->\nkeep\n<!-- /bench:dns-tcp -->')
    expect(text).toContain('<!-- bench:dns -->\nd\n<!-- /bench:dns -->')
  })
})
