export { buildAnswers } from './build.js'
export { AnswerTable, REFUSED_ANSWER, type AnswerDescription, type ClientAddress } from './table.js'
export type { BuildInput, BuiltAnswers, EndpointHealthView, NameReport } from './types.js'
export { checkAnswerSizes } from './sizes.js'
