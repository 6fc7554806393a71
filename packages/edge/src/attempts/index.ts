export {
  backoffMs,
  proxyAttempts,
  type AttemptsGiveUp,
  type AttemptsInput,
  type AttemptsPool,
  type AttemptsResult,
} from './proxy-attempts.js'
export { upgradeAttempts, type UpgradeAttemptsInput, type UpgradeAttemptsResult } from './upgrade-attempts.js'
