import { execFileSync } from 'node:child_process'

/** Node's version and those of the Debian `packages` installed here, for the report. */
export function debianVersions(packages: readonly string[]): Record<string, string> {
  const found: Record<string, string> = { node: process.version }
  for (const name of packages) {
    try {
      found[name] = execFileSync('dpkg-query', ['-W', '-f=${Version}', name], { encoding: 'utf8' }).trim()
    } catch {
      // not a Debian package here
    }
  }
  return found
}
