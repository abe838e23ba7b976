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
    name: 'triton-client',
    include: ['src/**/*.spec.ts'],
    environment: 'node',
    // Loopback gRPC tests on busy shared machines: generous, never relied on for timing.
    testTimeout: 30_000,
  },
});
