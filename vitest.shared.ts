import { defaultServerConditions } from 'vite';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

/** Per-project settings of {@link projectConfig}. */
export interface ProjectTestOptions {
  /** Per-test time limit in ms: a guard against hangs on loaded machines, never a timing assertion. */
  readonly testTimeout?: number;
  /** Per-hook time limit in ms (servers started in `beforeAll`). */
  readonly hookTimeout?: number;
  /** Whether test files run at the same time (default true); false for files that share a machine-wide resource. */
  readonly fileParallelism?: boolean;
}

/**
 * The one Vitest configuration of the workspace: specs beside the code (`src/**\/*.spec.ts`), Node
 * environment, and workspace packages resolved to their sources through the `@musicgen/source`
 * condition. The `module` condition is left out on purpose: with it the AWS SDK resolves to builds
 * that do not run under Vitest's SSR transform.
 *
 * @example
 * ```ts
 * // libs/wav/vitest.config.ts
 * export default projectConfig(import.meta.dirname, 'wav');
 * ```
 */
export function projectConfig(root: string, name: string, options: ProjectTestOptions = {}): ViteUserConfig {
  return defineConfig({
    root,
    ssr: {
      resolve: {
        conditions: ['@musicgen/source', ...defaultServerConditions.filter((c) => c !== 'module')],
      },
    },
    test: { name, include: ['src/**/*.spec.ts'], environment: 'node', ...options },
  });
}
