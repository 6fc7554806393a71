// Bare keys read like the YAML they came from; anything else is quoted so the path stays unambiguous.
const bareKey = /^[A-Za-z_$][\w$-]*$/

/**
 * A zod issue path in the dotted form people read in errors: `pools.app.endpoints[2].port`,
 * `zones["nines.test"]`. Array indexes become `[i]`; the root is the empty string.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else if (typeof segment === 'symbol') out += `[${segment.toString()}]`
    else if (bareKey.test(segment)) out += out === '' ? segment : `.${segment}`
    else out += `[${JSON.stringify(segment)}]`
  }
  return out
}
