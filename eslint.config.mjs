import nx from '@nx/eslint-plugin';

/**
 * Project boundaries. Every project carries one `scope:*` and one `type:*` tag:
 * - type:app      may import libraries of any kind;
 * - type:lib-io   (network and file clients) may import io and pure libraries;
 * - type:lib-pure (parsing, planning, encoding) may import only other pure libraries and no
 *                 network SDK;
 * - type:tool     (workspace checks) may import libraries;
 * and nothing imports an app.
 */
const depConstraints = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib-io', 'type:lib-pure'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib-io', 'type:lib-pure'] },
  { sourceTag: 'type:lib-io', onlyDependOnLibsWithTags: ['type:lib-io', 'type:lib-pure'] },
  {
    sourceTag: 'type:lib-pure',
    onlyDependOnLibsWithTags: ['type:lib-pure'],
    bannedExternalImports: [
      '@aws-sdk/*',
      '@grpc/*',
      'ssh2',
      'commander',
      'dotenv',
      'node:net',
      'node:http',
      'node:https',
    ],
  },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:batch', onlyDependOnLibsWithTags: ['scope:shared', 'scope:batch'] },
  { sourceTag: 'scope:deploy', onlyDependOnLibsWithTags: ['scope:shared', 'scope:deploy'] },
  { sourceTag: 'scope:monitor', onlyDependOnLibsWithTags: ['scope:shared', 'scope:monitor'] },
  { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['scope:shared'] },
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    ignores: ['**/dist', '**/out-tsc', '**/node_modules', '**/.venv', '**/vitest.config.*.timestamp*'],
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: [],
          depConstraints,
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
];
