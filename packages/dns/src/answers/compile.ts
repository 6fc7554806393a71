import { encodeBody } from '../wire/records.js'
import type { Answer } from '../wire/response.js'
import { Rotation } from './rotation.js'
import type { Draft, DraftSet } from './types.js'

/** One (name, type): rotations for clients without a locality and, when it depends on it, per locality slot. */
export interface Entry {
  readonly global: Rotation
  readonly slots?: readonly Rotation[]
}

/**
 * Encodes drafts into wire-format answers, once per distinct Draft (and question name) and once
 * per distinct draft list, so that variants and localities sharing an answer share its bytes.
 */
export class Compiler {
  private readonly answers = new Map<Draft, Map<string | null, Answer>>()
  private readonly rotations = new Map<readonly Draft[], Map<string, Rotation>>()

  /** `name` is the question the answer is for; bodies without answer records fit any question. */
  answer(draft: Draft, name: string): Answer {
    const questionName = draft.answers.length > 0 ? name : null
    let byName = this.answers.get(draft)
    if (byName === undefined) {
      byName = new Map()
      this.answers.set(draft, byName)
    }
    let answer = byName.get(questionName)
    if (answer === undefined) {
      const body = encodeBody(draft, questionName)
      answer = Object.freeze({ rcode: draft.rcode, aa: draft.aa ?? true, body })
      byName.set(questionName, answer)
    }
    return answer
  }

  entry(set: DraftSet, name: string): Entry {
    const global = this.rotation(set.global, name)
    if (set.slots === undefined) return { global }
    return { global, slots: set.slots.map((drafts) => this.rotation(drafts, name)) }
  }

  private rotation(drafts: readonly Draft[], question: string): Rotation {
    // Negative-only lists fit any question: one rotation for every name that shares them.
    const name = drafts.some((draft) => draft.answers.length > 0) ? question : ''
    let byName = this.rotations.get(drafts)
    if (byName === undefined) {
      byName = new Map()
      this.rotations.set(drafts, byName)
    }
    let rotation = byName.get(name)
    if (rotation === undefined) {
      rotation = new Rotation(drafts.map((draft) => this.answer(draft, name)))
      byName.set(name, rotation)
    }
    return rotation
  }
}
