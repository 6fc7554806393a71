import { encodeBody, type BodyQuestion, type Answer } from '@nines/wire'
import { Rotation } from './rotation.js'
import type { Draft, DraftSet } from './types.js'

/** The name an answer is compiled for, or a wildcard whose answers fit any name it synthesizes. */
export type Question = Exclude<BodyQuestion, null>

/** Memo key of a question: names are never empty and never start with NUL. */
function questionKey(question: Question): string {
  return typeof question === 'string' ? question : `\0${question.wildcard}`
}

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

  /**
   * `name` is the question the answer is for, or a wildcard's `{ wildcard }` for an answer that fits
   * any name it synthesizes; bodies without answer records fit any question.
   */
  answer(draft: Draft, name: Question): Answer {
    const question = draft.answers.length > 0 ? name : null
    const memoKey = question === null ? null : questionKey(question)
    let byName = this.answers.get(draft)
    if (byName === undefined) {
      byName = new Map()
      this.answers.set(draft, byName)
    }
    let answer = byName.get(memoKey)
    if (answer === undefined) {
      const body = encodeBody(draft, question)
      answer = Object.freeze({ rcode: draft.rcode, aa: draft.aa ?? true, body })
      byName.set(memoKey, answer)
    }
    return answer
  }

  entry(set: DraftSet, name: Question): Entry {
    const global = this.rotation(set.global, name)
    if (set.slots === undefined) return { global }
    return { global, slots: set.slots.map((drafts) => this.rotation(drafts, name)) }
  }

  private rotation(drafts: readonly Draft[], question: Question): Rotation {
    // Negative-only lists fit any question: one rotation for every name that shares them.
    const positive = drafts.some((draft) => draft.answers.length > 0)
    const memoKey = positive ? questionKey(question) : ''
    let byName = this.rotations.get(drafts)
    if (byName === undefined) {
      byName = new Map()
      this.rotations.set(drafts, byName)
    }
    let rotation = byName.get(memoKey)
    if (rotation === undefined) {
      rotation = new Rotation(drafts.map((draft) => this.answer(draft, question)))
      byName.set(memoKey, rotation)
    }
    return rotation
  }
}
