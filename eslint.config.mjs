import { readdirSync, readFileSync } from 'node:fs';
import nx from '@nx/eslint-plugin';

/**
 * Project boundaries. Every project carries one `scope:*` and one `type:*` tag:
 * - type:app      may import libraries of any kind;
 * - type:lib-cli  (the command-line kit: commander, `.env` files, exit codes) may import only pure
 *                 libraries; only apps and tools import it, so no library ever depends on a CLI
 *                 framework;
 * - type:lib-io   (network and file clients) may import io and pure libraries;
 * - type:lib-pure (parsing, planning, encoding) may import only other pure libraries and no
 *                 network SDK;
 * - type:tool     (workspace checks) may import libraries;
 * and nothing imports an app.
 */
const depConstraints = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib-cli', 'type:lib-io', 'type:lib-pure'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib-cli', 'type:lib-io', 'type:lib-pure'] },
  { sourceTag: 'type:lib-cli', onlyDependOnLibsWithTags: ['type:lib-pure'] },
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

/**
 * The model contract has one home, `libs/contract`: a constant it exports (and the older names such
 * constants once had elsewhere) may not be declared again anywhere else, exported or not.
 */
const contractDir = new URL('./libs/contract/src/', import.meta.url);
const contractNames = readdirSync(contractDir)
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
  .flatMap((file) => [...readFileSync(new URL(file, contractDir), 'utf8').matchAll(/^export const (\w+)/gm)])
  .map((match) => match[1]);
const formerNames = ['FRAME_RATE', 'FRAMES_PER_SECOND', 'SAMPLE_RATE', 'MAX_TOTAL_FRAMES', 'MAX_TOP_K'];
const contractRedefinition = {
  selector: `VariableDeclarator[id.name=/^(${[...contractNames, ...formerNames, 'GENERATION_DEFAULTS'].join('|')})$/]`,
  message:
    'This name belongs to the model contract: import it from @musicgen/contract instead of defining it here.',
};

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
      'no-restricted-syntax': ['error', contractRedefinition],
    },
  },
  {
    // Test-runner configuration, not product code: every project's config imports the shared one.
    files: ['**/vitest.config.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    files: ['libs/contract/src/**/*.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // Test helpers (`@musicgen/<lib>/testing`) are for tests and benchmarks; shipping code uses a
    // library's real exports (`@musicgen/store/s3rver` for the local stack's S3 server).
    files: ['**/*.ts'],
    ignores: ['**/*.spec.ts', '**/src/testing/**', '**/bench/**', 'tools/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@musicgen/*/testing'],
              message: 'Shipping code may not import test helpers: use the exports of the library itself.',
            },
          ],
        },
      ],
    },
  },
];
