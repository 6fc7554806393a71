// pino's numeric levels; the daemons log JSON lines with them.
const levelNames: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
}

// Fields every line carries, or that the output label already says.
const dropped = new Set(['level', 'time', 'pid', 'hostname', 'name', 'instance', 'msg', 'v'])

const maxValueChars = 160

/**
 * Shortens one JSON log line for a terminal: `level msg key=value...`, without time, pid, host and the
 * logger's name. A line that is not a JSON object is returned as it is.
 */
export function shortenLogLine(line: string): string {
  if (!line.startsWith('{')) return line
  let record: unknown
  try {
    record = JSON.parse(line)
  } catch {
    return line
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return line
  const fields = record as Record<string, unknown>
  const parts: string[] = []
  const level = fields.level
  if (typeof level === 'number') parts.push((levelNames[level] ?? String(level)).padEnd(5))
  else if (typeof level === 'string') parts.push(level.padEnd(5))
  if (typeof fields.msg === 'string') parts.push(fields.msg)
  for (const [key, value] of Object.entries(fields)) {
    if (!dropped.has(key) && value !== undefined) parts.push(`${key}=${formatValue(value)}`)
  }
  return parts.join(' ')
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value)
  // An error logged as `err`: its message says enough; the stack is in the raw log when run alone.
  if (
    typeof value === 'object' &&
    value !== null &&
    'message' in value &&
    typeof value.message === 'string'
  ) {
    return JSON.stringify(value.message)
  }
  const text = JSON.stringify(value) ?? String(value)
  return text.length > maxValueChars ? `${text.slice(0, maxValueChars)}…` : text
}
