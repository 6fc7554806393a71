export type { EdgeEnv, EdgeVariables, RequestRecord } from './context.js'
export { createEdgeApp, edgeRequestListener, type EdgeAppOptions } from './edge-app.js'
export { hashKeyOf } from './hash-key.js'
export { errorCodeHeader, giveUpCode, writeFallback, writeProblem, type EdgeErrorCode } from './respond.js'
