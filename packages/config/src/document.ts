import { LineCounter, isAlias, isMap, isNode, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml'
import type { Document, Node, YAMLError } from 'yaml'
import { ConfigError, type ConfigIssue } from './errors.js'

/** A parsed YAML document with what is needed to point back into its text. */
export interface SourceDocument {
  readonly data: unknown
  readonly doc: Document
  readonly lines: LineCounter
}

export interface Position {
  readonly line: number
  readonly column: number
}

/**
 * Parses one YAML document. Anything that keeps it from being one well-formed document (syntax, duplicate
 * keys, several documents, an alias without its anchor) throws a ConfigError `NINES_ERR_CONFIG_SYNTAX`
 * listing every problem with its line and column.
 */
export function parseYaml(text: string, source: string): SourceDocument {
  const lines = new LineCounter()
  // uniqueKeys is the default; spelled out because a silently repeated key is the mistake we most want named.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  if (doc.errors.length > 0) {
    throw new ConfigError(
      'NINES_ERR_CONFIG_SYNTAX',
      source,
      doc.errors.map((error) => syntaxIssue(error, doc, lines)),
    )
  }
  try {
    return { data: doc.toJS(), doc, lines }
  } catch (cause) {
    // toJS throws for aliases without an anchor and for alias bombs; neither carries a position.
    const message = cause instanceof Error ? cause.message : String(cause)
    throw new ConfigError(
      'NINES_ERR_CONFIG_SYNTAX',
      source,
      [{ path: '', message, ...unresolvedAlias(doc, lines) }],
      {
        cause,
      },
    )
  }
}

function syntaxIssue(error: YAMLError, doc: Document, lines: LineCounter): ConfigIssue {
  const start = error.pos[0]
  const { line, col } = lines.linePos(start)
  const key = error.code === 'DUPLICATE_KEY' ? keyAt(doc, start) : undefined
  return {
    path: '',
    message: key === undefined ? error.message : `duplicate key ${JSON.stringify(key)}`,
    line,
    column: col,
  }
}

/** The text of the map key starting at `offset` (yaml's error position covers only its first character). */
function keyAt(doc: Document, offset: number): string | undefined {
  let key: string | undefined
  visit(doc, {
    Pair(_, pair) {
      if (!isScalar(pair.key) || pair.key.range?.[0] !== offset) return undefined
      key = String(pair.key.value)
      return visit.BREAK
    },
  })
  return key
}

function unresolvedAlias(doc: Document, lines: LineCounter): Partial<Position> {
  let found: Partial<Position> = {}
  visit(doc, {
    Alias(_, alias) {
      if (alias.resolve(doc) !== undefined || !alias.range) return undefined
      found = positionOf(alias.range[0], lines)
      return visit.BREAK
    },
  })
  return found
}

/**
 * Where a path of the parsed data sits in the text: the value's node, or with `key` the key's node of
 * the last segment (for unknown keys). When the path runs past what the document holds (a missing key),
 * the deepest node that exists is used, so a `required` points at the object that lacks the key.
 */
export function locate(
  source: SourceDocument,
  path: readonly PropertyKey[],
  { key = false }: { key?: boolean } = {},
): Position | undefined {
  let node: Node | null = source.doc.contents
  let found: Node | null = node
  for (const [i, segment] of path.entries()) {
    if (isAlias(node)) node = node.resolve(source.doc) ?? null
    let next: unknown = undefined
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment))
      if (pair && isPair(pair)) {
        const last = i === path.length - 1
        next = key && last ? pair.key : (pair.value ?? pair.key)
      }
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment]
    }
    if (!isNode(next)) break
    node = next
    found = next
  }
  return found?.range ? positionOf(found.range[0], source.lines) : undefined
}

function positionOf(offset: number, lines: LineCounter): Position {
  const { line, col } = lines.linePos(offset)
  return { line, column: col }
}
