export {
  CLASSIC_UDP_BYTES,
  DEFAULT_MAX_UDP_PAYLOAD,
  EcsFamily,
  EdnsOptionCode,
  HEADER_BYTES,
  MAX_MESSAGE_BYTES,
  Opcode,
  RRClass,
  RRType,
  Rcode,
} from './constants.js'
export { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './address.js'
export { nsidOption, type EcsInfo, type EdnsInfo } from './edns.js'
export { encodeName, nameKey, nameKeyOf, nameOfKey, parentKey, uncompressedNameEnd } from './names.js'
export { isQueryProblem, parseQuery, type ParsedQuery, type QueryProblem } from './query.js'
export { slowParse } from './slow-parse.js'
export {
  BodyWriter,
  EMPTY_BODY,
  encodeBody,
  type BodyQuestion,
  type BodySections,
  type CaaData,
  type MxData,
  type SoaData,
  type SrvData,
  type PrecomputedBody,
  type WireRecord,
  type WireRecordType,
} from './records.js'
export {
  DEFAULT_RESPONSE_LIMITS,
  maxUdpPayloadSchema,
  rcodeForProblem,
  writeError,
  writeResponse,
  type Answer,
  type ResponseLimits,
} from './response.js'
export { encodeQuery, type QueryOptions } from './query-builder.js'
export { u16 } from './bytes.js'
export { scanCacheTtl } from './ttl-scan.js'
export {
  BadMessageError,
  answerTtl,
  decodeMessage,
  type DecodedEdns,
  type DecodedMessage,
  type DecodedQuestion,
  type DecodedRecord,
} from './message.js'
