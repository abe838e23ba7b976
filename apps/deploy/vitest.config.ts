import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: import.meta.dirname,
  ssr: {
    resolve: {
      conditions: ['@musicgen/source', ...defaultServerConditions.filter((c) => c !== 'module')],
    },
  },
  test: {
    name: 'deploy',
    include: ['src/**/*.spec.ts'],
    environment: 'node',
    // Each file starts its own sshd; the run tests pack and install the batch on the "pod": one file at a time.
    fileParallelism: false,
    // A guard against hangs on a loaded machine, not a timing assertion.
    testTimeout: 60_000,
  },
});
