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
    name: 'store',
    include: ['src/**/*.spec.ts'],
    environment: 'node',
    // Network tests move tens of MB through a real S3 server; a guard against hangs on a loaded machine, not a timing assertion.
    testTimeout: 30_000,
  },
});
