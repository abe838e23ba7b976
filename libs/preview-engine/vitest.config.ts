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
    name: 'preview',
    include: ['src/**/*.spec.ts'],
    environment: 'node',
    // Decoding and gRPC round trips run on shared CI machines: allow for slow runs (speed is benchmarked, not tested).
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
