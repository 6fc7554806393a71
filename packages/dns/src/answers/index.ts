export { buildAnswers } from './build.js'
export {
  AnswerTable,
  REFUSED_ANSWER,
  type AnswerDescription,
  type ClientAddress,
  type DescribedClient,
} from './table.js'
export type { BuildInput, BuiltAnswers, EndpointHealthView, NameReport, NameState } from './types.js'
export { checkAnswerSizes } from './sizes.js'
