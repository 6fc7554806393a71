// One place for how every workspace project runs its tests: sources of sibling packages are
// resolved through the `@nines/source` export condition, so tests never need a build first.
import { defineProject, type UserWorkspaceConfig } from 'vitest/config'

const conditions = ['@nines/source']

export function nodeProject(name: string, test: UserWorkspaceConfig['test'] = {}): UserWorkspaceConfig {
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    test: { name, include: ['src/**/*.test.ts'], ...test },
  })
}
