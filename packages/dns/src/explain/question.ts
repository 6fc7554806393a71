import { isIP } from 'node:net'
import { InvalidArgumentError } from '@nines/core'
import type { DescribedClient } from '../answers/table.js'
import { RRType, nameKeyOf, nameOfKey } from '@nines/wire'

/** What an operator asks: `GET /explain?name=&type=&client=`, `nines-dns explain NAME [TYPE] [CLIENT]`. */
export interface ExplainQuestion {
  readonly name: string
  /** A type mnemonic (`A`, `aaaa`, `SRV`) or `TYPEnnn` (RFC 3597); default `A`. */
  readonly type?: string
  /** The client's address (`192.0.2.7`, `2001:db8::7`) or its ECS subnet (`203.0.113.0/24`). */
  readonly client?: string
}

export interface CheckedQuestion {
  /** Lowercase, no trailing dot. */
  readonly name: string
  readonly qtype: number
  readonly type: string
  readonly client?: { readonly text: string; readonly ecs: boolean; readonly described: DescribedClient }
}

// Meta types that never appear as a question's type.
const NOT_QUESTIONS = new Set<string>(['OPT', 'TSIG'])
const known = Object.keys(RRType).filter((name) => !NOT_QUESTIONS.has(name))

/** Validates an operator's question; throws InvalidArgumentError naming the field at fault. */
export function checkQuestion(question: ExplainQuestion): CheckedQuestion {
  if (typeof question.name !== 'string' || question.name.trim() === '')
    throw new InvalidArgumentError('name: expected a domain name such as app.nines.test')
  const name = nameOfKey(nameKeyOf(question.name.trim()))
  const { qtype, type } = checkType(question.type ?? 'A')
  if (question.client === undefined || question.client === '') return { name, qtype, type }
  return { name, qtype, type, client: checkClient(question.client) }
}

function checkType(text: string): { qtype: number; type: string } {
  const type = String(text).trim().toUpperCase()
  if (known.includes(type)) return { qtype: RRType[type as keyof typeof RRType], type }
  const generic = /^TYPE(\d{1,5})$/.exec(type)
  const qtype = generic ? Number(generic[1]) : NaN
  if (qtype >= 1 && qtype <= 65535) return { qtype, type }
  throw new InvalidArgumentError(
    `type: unknown record type ${JSON.stringify(text)}; expected one of ${known.join(', ')} or TYPEnnn`,
  )
}

function checkClient(text: string): NonNullable<CheckedQuestion['client']> {
  const problem = () =>
    new InvalidArgumentError(
      `client: expected an IP address (192.0.2.7) or a subnet (203.0.113.0/24), got ${JSON.stringify(text)}`,
    )
  const slash = text.indexOf('/')
  if (slash < 0) {
    if (isIP(text) === 0) throw problem()
    return { text, ecs: false, described: { address: text } }
  }
  const address = text.slice(0, slash)
  const prefix = text.slice(slash + 1)
  const family = isIP(address)
  if (family === 0 || !/^\d{1,3}$/.test(prefix) || Number(prefix) > (family === 4 ? 32 : 128)) throw problem()
  return { text, ecs: true, described: { ecs: `${address}/${Number(prefix)}` } }
}
