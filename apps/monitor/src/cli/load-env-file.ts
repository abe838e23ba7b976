import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { config } from 'dotenv';

/**
 * Loads `.env` from `directory` into `process.env` when the file exists. Variables already set in the
 * environment win; values are never printed.
 *
 * @example
 * ```ts
 * loadEnvFile(process.cwd());
 * ```
 */
export function loadEnvFile(directory: string): void {
  const path = join(directory, '.env');
  if (existsSync(path)) config({ path, quiet: true, override: false });
}
