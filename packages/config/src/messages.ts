import type { core } from 'zod'
import { closestWord } from './suggest.js'
import { showTyped, showValue } from './value.js'

type RawIssue = core.$ZodRawIssue

/**
 * A zod error map that rewrites zod's default messages into `expected …, got …`. Zod consults it only
 * where the schema set no message of its own, so `.refine(fn, 'text')` and `.min(1, 'text')` keep their
 * text. Returning undefined falls back to zod's message for the rare kinds not covered here.
 *
 * For `unrecognized_keys` it returns one line per key, in `keys` order, so the caller can split the issue
 * into one issue per key.
 */
export function conciseMessage(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required'
      return `expected ${typeName(issue.expected)}, got ${showTyped(issue.input)}`
    case 'too_small':
    case 'too_big':
      return sizeMessage(issue)
    case 'invalid_value':
      return `expected ${oneOf(issue.values)}, got ${showValue(issue.input)}`
    case 'invalid_format':
      return `expected ${formatName(issue)}, got ${showValue(issue.input)}`
    case 'not_multiple_of':
      return `expected a multiple of ${issue.divisor}, got ${showValue(issue.input)}`
    case 'unrecognized_keys':
      return unknownKeysMessage(issue.keys, issue.input, issue.inst)
    case 'invalid_union':
      return unionMessage(issue)
    case 'invalid_key':
      // The caller points at the key itself; say what was wrong with it.
      return `invalid key: ${issue.issues.map((inner) => inner.message).join('; ')}`
    default:
      return undefined
  }
}

function typeName(expected: string): string {
  return expected === 'int' ? 'integer' : expected
}

function oneOf(values: readonly unknown[]): string {
  const shown = values.map((value) => (typeof value === 'string' ? value : showValue(value)))
  return shown.length === 1 ? shown[0]! : `one of ${shown.join(', ')}`
}

type SizeIssue = Extract<RawIssue, { code: 'too_small' | 'too_big' }>

function sizeMessage(issue: SizeIssue): string | undefined {
  const got = issue.input
  switch (issue.origin) {
    case 'number':
    case 'int':
    case 'bigint':
      return `expected ${numericRange(issue)}, got ${showValue(got)}`
    case 'string':
      return `expected ${countBound(issue, 'character')}, got ${showValue(got)}`
    case 'array':
    case 'set': {
      const size = Array.isArray(got) ? got.length : got instanceof Set ? got.size : undefined
      return `expected ${countBound(issue, 'item')}${size === undefined ? '' : `, got ${size}`}`
    }
    default:
      return undefined
  }
}

function countBound(issue: SizeIssue, unit: string): string {
  const limit = issue.code === 'too_small' ? issue.minimum : issue.maximum
  const plural = Number(limit) === 1 ? unit : `${unit}s`
  if (issue.exact) return `exactly ${limit} ${plural}`
  return `${issue.code === 'too_small' ? 'at least' : 'at most'} ${limit} ${plural}`
}

interface Bound {
  value: number | bigint
  inclusive: boolean
}

/** `1..65535` when both bounds are known and inclusive, else `>= 1`, `> 0 and <= 10`. */
function numericRange(issue: SizeIssue): string {
  const bounds = boundsOf(issue.schema)
  // The issue's own bound is authoritative for its side; the schema supplies the other side when it has one.
  const own = {
    value: issue.code === 'too_small' ? issue.minimum : issue.maximum,
    inclusive: issue.inclusive ?? true,
  }
  const lower = issue.code === 'too_small' ? own : bounds.lower
  const upper = issue.code === 'too_big' ? own : bounds.upper
  if (lower && upper && lower.inclusive && upper.inclusive) return `${lower.value}..${upper.value}`
  const parts: string[] = []
  if (lower) parts.push(`${lower.inclusive ? '>=' : '>'} ${lower.value}`)
  if (upper) parts.push(`${upper.inclusive ? '<=' : '<'} ${upper.value}`)
  return parts.join(' and ')
}

/** The tightest lower and upper bounds among a number schema's checks (best effort; zod internals). */
function boundsOf(schema: core.$ZodType | undefined): { lower?: Bound; upper?: Bound } {
  let lower: Bound | undefined
  let upper: Bound | undefined
  for (const check of schema?._zod.def.checks ?? []) {
    const def = check._zod.def as core.$ZodCheckDef & { value?: unknown; inclusive?: boolean }
    const value = def.value instanceof Date ? def.value.getTime() : def.value
    if ((typeof value !== 'number' && typeof value !== 'bigint') || def.inclusive === undefined) continue
    const bound = { value, inclusive: def.inclusive }
    if (def.check === 'greater_than' && (!lower || bound.value >= lower.value)) lower = bound
    if (def.check === 'less_than' && (!upper || bound.value <= upper.value)) upper = bound
  }
  return { ...(lower && { lower }), ...(upper && { upper }) }
}

function formatName(issue: Extract<RawIssue, { code: 'invalid_format' }>): string {
  switch (issue.format) {
    case 'regex':
      return `a string matching ${issue.pattern ?? 'the pattern'}`
    case 'starts_with':
      return `a string starting with ${JSON.stringify(issue.prefix)}`
    case 'ends_with':
      return `a string ending with ${JSON.stringify(issue.suffix)}`
    case 'includes':
      return `a string including ${JSON.stringify(issue.includes)}`
    default:
      return `a valid ${issue.format}`
  }
}

function unknownKeysMessage(keys: readonly string[], input: unknown, inst: unknown): string {
  const known = knownKeys(inst)
  const present = new Set(typeof input === 'object' && input !== null ? Object.keys(input) : [])
  // Prefer keys the object still lacks: `prot` next to an existing `port` is more likely a stray line.
  const missing = known.filter((key) => !present.has(key))
  return keys
    .map((key) => {
      const suggestion = closestWord(key, missing) ?? closestWord(key, known)
      return `unknown key ${JSON.stringify(key)}${suggestion ? ` (did you mean ${JSON.stringify(suggestion)}?)` : ''}`
    })
    .join('\n')
}

/** An object's declared keys, or a record's when its keys are an enum or literals. */
function knownKeys(inst: unknown): string[] {
  const def = (inst as Partial<core.$ZodObject | core.$ZodRecord> | undefined)?._zod?.def
  if (def?.type === 'object') return Object.keys(def.shape)
  if (def?.type === 'record') {
    return [...(def.keyType._zod.values ?? [])].filter((key): key is string => typeof key === 'string')
  }
  return []
}

function unionMessage(issue: Extract<RawIssue, { code: 'invalid_union' }>): string | undefined {
  const options: unknown = issue.options
  if (issue.discriminator !== undefined && Array.isArray(options)) {
    const input = issue.input
    const value =
      typeof input === 'object' && input !== null
        ? (input as Record<string, unknown>)[issue.discriminator]
        : undefined
    const expected = oneOf(options)
    return value === undefined ? `required, ${expected}` : `expected ${expected}, got ${showValue(value)}`
  }
  // When every variant failed at its root on type or value alone, list what would have been accepted.
  const expected: string[] = []
  for (const branch of issue.errors) {
    const [only, ...rest] = branch
    if (!only || rest.length > 0 || only.path.length > 0)
      return `matches none of the allowed forms, got ${showValue(issue.input)}`
    if (only.code === 'invalid_type') expected.push(typeName(only.expected))
    else if (only.code === 'invalid_value') expected.push(oneOf(only.values))
    else return `matches none of the allowed forms, got ${showValue(issue.input)}`
  }
  if (expected.length === 0) return undefined
  const list =
    expected.length === 1 ? expected[0]! : `${expected.slice(0, -1).join(', ')} or ${expected.at(-1)}`
  return `expected ${list}, got ${showTyped(issue.input)}`
}
