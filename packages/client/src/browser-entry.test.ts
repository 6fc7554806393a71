// The browser entry must load as plain ES modules from dist/: every module it reaches imports only
// relative `.js` files, and none uses Node (node: modules, Buffer, process).
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'

async function graph(file: URL, seen = new Map<string, string>()): Promise<Map<string, string>> {
  if (seen.has(file.href)) return seen
  const text = await readFile(file, 'utf8')
  seen.set(file.href, text)
  for (const match of text.matchAll(/^(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)) {
    const specifier = match[1]!
    expect(specifier, `${file.pathname} imports ${specifier}`).toMatch(/^\.\.?\/[\w./-]+\.js$/)
    await graph(new URL(specifier.replace(/\.js$/, '.ts'), file), seen)
  }
  return seen
}

describe('the browser entry', () => {
  it('reaches only relative modules of this package, none using Node', async () => {
    const modules = await graph(new URL('./index.ts', import.meta.url))
    expect(modules.size).toBeGreaterThan(5)
    for (const [href, text] of modules) {
      expect(href).not.toContain('/node/')
      const code = text.replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '')
      expect(code, href).not.toMatch(/\bBuffer\b|\bprocess\.|['"]node:/)
    }
  })
})
