import type { core } from 'zod'
import { locate, type SourceDocument } from './document.js'
import type { ConfigIssue } from './errors.js'
import { formatPath } from './path.js'

/**
 * Turns zod's issues (already worded by `conciseMessage`) into located ConfigIssues, ordered by position
 * in the file. Unknown keys become one issue each, at the key's own line; a union whose variants all but
 * one failed on their root type is reported through that one variant's issues, which are the useful ones.
 */
export function toConfigIssues(issues: readonly core.$ZodIssue[], source: SourceDocument): ConfigIssue[] {
  const located = issues.flatMap((issue) => expand(issue, [])).map((issue) => place(issue, source))
  // Stable sort: issues without a position keep zod's order, after the located ones.
  return located.sort(
    (a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0),
  )
}

interface Flat {
  readonly path: readonly PropertyKey[]
  readonly message: string
  /** Set for an unknown or invalid key: the path ends with the key, and the key itself is located. */
  readonly atKey?: boolean
}

function expand(issue: core.$ZodIssue, prefix: readonly PropertyKey[]): Flat[] {
  const path = [...prefix, ...issue.path]
  if (issue.code === 'unrecognized_keys') {
    const lines = issue.message.split('\n')
    // A custom message on the object is one line for all keys: keep it as one issue.
    if (lines.length !== issue.keys.length) return [{ path, message: issue.message }]
    return issue.keys.map((key, i) => ({ path: [...path, key], message: lines[i]!, atKey: true }))
  }
  if (issue.code === 'invalid_key' && issue.origin === 'record')
    return [{ path, message: issue.message, atKey: true }]
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const plausible = issue.errors.filter((branch) => !branch.some(failsAtRoot))
    if (plausible.length === 1) return plausible[0]!.flatMap((inner) => expand(inner, path))
  }
  return [{ path, message: issue.message }]
}

function failsAtRoot(issue: core.$ZodIssue): boolean {
  return issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value')
}

function place(issue: Flat, source: SourceDocument): ConfigIssue {
  // A key's issue is reported on its object's path; the message names the key.
  const shown = issue.atKey ? issue.path.slice(0, -1) : issue.path
  const position = locate(source, issue.path, { key: issue.atKey ?? false })
  return { path: formatPath(shown), message: issue.message, ...position }
}
