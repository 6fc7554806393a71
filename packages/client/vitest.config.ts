import { nodeProject } from '../../vitest.shared.ts'

export default nodeProject('client', { testTimeout: 20_000 })
