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
    name: 'ssh',
    include: ['src/**/*.spec.ts'],
    environment: 'node',
    // Tests start a real sshd and move files over SFTP; a guard against hangs on a loaded machine, not a timing assertion.
    testTimeout: 30_000,
  },
});
