export { banner, type BannerRestarts } from './banner.js'
export {
  localStack,
  type CheckTiming,
  type DaemonInstanceEntry,
  type DnsInstanceEntry,
  type EdgeInstanceEntry,
  type InstanceRole,
  type DemoEndpointEntry,
  type LocalStack,
} from './local-stack.js'
export { shortenLogLine } from './log-line.js'
export { daemonMains, planLocalStack, type Plan, type PlanOptions, type StackChild } from './plan.js'
export { describeTakenPort, findTakenPorts, type PortClaim, type TakenPort } from './ports.js'
export { runLocalStack, type RunOptions } from './run.js'
export {
  createSupervisor,
  outputLabel,
  type ChildFailure,
  type ChildSpec,
  type ChildStatus,
  type Supervisor,
  type SupervisorOptions,
} from './supervisor.js'
export { waitUntilReady, type WaitOptions } from './wait-ready.js'
export {
  caName,
  ensureLocalCertificates,
  localNameservers,
  type CertificateName,
  type CertificateOptions,
  type CertificatePair,
  type LocalCertificates,
} from './certificates.js'
export {
  startStaticServer,
  staticFile,
  type StaticMount,
  type StaticServer,
  type StaticServerOptions,
} from './static-server.js'
