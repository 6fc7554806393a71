import { nodeProject } from '../../vitest.shared.ts'

export default nodeProject('dns-server', { testTimeout: 30_000 })
