import { nodeProject } from '../../vitest.shared.ts'

export default nodeProject('edge-router', { testTimeout: 30_000 })
