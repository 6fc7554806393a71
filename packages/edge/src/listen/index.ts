export {
  openListeners,
  type Listeners,
  type ListenersOptions,
  type RequestHandler,
  type UpgradeHandler,
} from './servers.js'
export type { CloseOptions, CloseResult } from './shutdown.js'
export { checkingIntervalMs } from './limits.js'
