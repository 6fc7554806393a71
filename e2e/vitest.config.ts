import { nodeProject } from '../vitest.shared.ts'

// Scenarios start real daemons and wait for probes: one file at a time keeps them off each other's CPU.
export default nodeProject('e2e', { testTimeout: 60_000, hookTimeout: 60_000, fileParallelism: false })
