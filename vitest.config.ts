import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'e2e'],
    coverage: { provider: 'v8', include: ['packages/*/src/**', 'apps/*/src/**'], exclude: ['**/*.test.ts'] },
  },
})
