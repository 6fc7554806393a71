/** Longest rendering of a received value inside a message; longer ones end with `…`. */
export const maxValueChars = 40

/** A received value, JSON-ish and short: `"80"`, `70000`, `null`, `[1,2]`, `{"prot":1}`. */
export function showValue(value: unknown): string {
  return truncate(render(value))
}

/** The value with its type, for type mismatches: `string "80"`, `array [1,2]`, `null`. */
export function showTyped(value: unknown): string {
  const type = typeOf(value)
  if (value === null || value === undefined) return type
  return `${type} ${showValue(value)}`
}

export function typeOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (value instanceof Date) return 'date'
  return typeof value
}

function render(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value)
    case 'bigint':
      return `${value}n`
    case 'symbol':
      return value.toString()
    case 'function':
      return '[function]'
  }
  if (value instanceof Date) return value.toISOString()
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    // Cycles (YAML aliases can build them) or bigints nested in objects.
    return Array.isArray(value) ? '[…]' : '{…}'
  }
}

function truncate(text: string): string {
  if (text.length <= maxValueChars) return text
  const cut = text.slice(0, maxValueChars - 1)
  return text.startsWith('"') ? `${cut}…"` : `${cut}…`
}
