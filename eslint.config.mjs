// One flat config for the whole workspace. The module-boundary rule reads each project's Nx tags
// (package.json "nx.tags") and enforces the arrows of docs/architecture.md.
import js from '@eslint/js'
import nx from '@nx/eslint-plugin'
import prettier from 'eslint-config-prettier'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['**/dist/**', '**/coverage/**', '**/node_modules/**', '**/.nx/**', '**/var/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // What a project may import, by what it is...
            { sourceTag: 'type:package', onlyDependOnLibsWithTags: ['type:package'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:package'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:package', 'type:tool'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:package', 'type:tool'] },
            // ...and, for packages, which layer it sits on (arrows only point down).
            { sourceTag: 'pkg:core', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'pkg:health', onlyDependOnLibsWithTags: ['pkg:core'] },
            { sourceTag: 'pkg:config', onlyDependOnLibsWithTags: ['pkg:core'] },
            { sourceTag: 'pkg:ops', onlyDependOnLibsWithTags: ['pkg:core'] },
            { sourceTag: 'pkg:wire', onlyDependOnLibsWithTags: ['pkg:core'] },
            { sourceTag: 'pkg:tls', onlyDependOnLibsWithTags: ['pkg:core'] },
            {
              sourceTag: 'pkg:dns',
              onlyDependOnLibsWithTags: ['pkg:core', 'pkg:wire', 'pkg:health', 'pkg:tls'],
            },
            { sourceTag: 'pkg:edge', onlyDependOnLibsWithTags: ['pkg:core', 'pkg:health', 'pkg:tls'] },
            // Light: the wire codec only (the browser entry imports nothing of ours at all).
            { sourceTag: 'pkg:client', onlyDependOnLibsWithTags: ['pkg:core', 'pkg:wire'] },
            {
              sourceTag: 'pkg:daemon',
              onlyDependOnLibsWithTags: ['pkg:core', 'pkg:config', 'pkg:health', 'pkg:ops'],
            },
            // The whole file's schema: both daemons' parts, composed once (config: its tests load YAML).
            {
              sourceTag: 'pkg:deployment',
              onlyDependOnLibsWithTags: [
                'pkg:core',
                'pkg:config',
                'pkg:daemon',
                'pkg:dns',
                'pkg:wire',
                'pkg:tls',
                'pkg:edge',
                'pkg:health',
                'pkg:ops',
              ],
            },
          ],
        },
      ],
    },
  },
  // The client's tests stand up the real authoritative server (@nines/dns) to ask; its source may not.
  {
    files: ['packages/client/src/**/*.test.ts', 'packages/client/src/**/testing.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  // Test-runner configs share a root helper; they are not project source.
  { files: ['**/vitest.config.ts'], rules: { '@nx/enforce-module-boundaries': 'off' } },
  prettier,
)
