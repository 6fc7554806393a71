export { findRoot, launchStack, type EndpointState, type LaunchOptions, type WholeStack } from './launch.js'
export type { EndpointMode, ProcessKind, StackProcess } from './process.js'
export { remapPorts, sharedFreePort, type PortUse, type Protocol } from './ports.js'
