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
  },
});
