export {
  ALL_FAULT_KINDS,
  TRAFFIC_TARGET,
  groupsOf,
  makeSchedule,
  type Fault,
  type FaultAction,
  type FaultKind,
  type ScheduleOptions,
  type ScheduledProcess,
} from './schedule.js'
export { seededRandom } from './rng.js'
