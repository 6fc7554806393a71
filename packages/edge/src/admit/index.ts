export { Admission, type Admit, type AdmissionSnapshot, type Permit, type ShedReason } from './admission.js'
export { GradientLimit, type LimitSample } from './gradient-limit.js'
export {
  admissionLimitSchema,
  admissionQueueSchema,
  admissionSchema,
  admissionSharesSchema,
  parseAdmissionOptions,
  type AdmissionLimitOptions,
  type AdmissionOptions,
  type AdmissionOptionsInput,
} from './options.js'
export { LoopDelay } from './loop-delay.js'
