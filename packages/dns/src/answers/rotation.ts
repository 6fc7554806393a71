import { InvalidArgumentError } from '@nines/core'
import type { Answer } from '@nines/wire'

/** The precomputed variants of one (name, type, locality), served round-robin with one counter. */
export class Rotation {
  readonly answers: readonly Answer[]
  private next = 0
  // answers[i] with an ECS scope, made on first use so that the query path allocates only once per scope.
  private scoped: (Answer | undefined)[][] | undefined

  constructor(answers: readonly Answer[]) {
    if (answers.length === 0) throw new InvalidArgumentError('answers: expected at least one variant')
    this.answers = answers
  }

  pick(): Answer {
    const i = this.next
    this.next = i + 1 === this.answers.length ? 0 : i + 1
    return this.answers[i]!
  }

  /** Like pick, with `ecsScope` set (RFC 7871 §7.2.1): the answer is valid for the client's /scope. */
  pickScoped(scope: number): Answer {
    const i = this.next
    this.next = i + 1 === this.answers.length ? 0 : i + 1
    const answer = this.answers[i]!
    if (scope === 0) return answer
    const byScope = (this.scoped ??= this.answers.map(() => []))[i]!
    return (byScope[scope] ??= Object.freeze({ ...answer, ecsScope: scope }))
  }
}
