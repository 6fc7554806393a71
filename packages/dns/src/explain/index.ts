export {
  explain,
  type ExplainSource,
  type ExplainStep,
  type ExplainStepKind,
  type Explanation,
} from './explain.js'
export type { ExplainQuestion } from './question.js'
export type { ExplainedRecord } from './decode.js'
export { nameChanges, type NameChange } from './name-changes.js'
