import { basename, extname } from 'node:path';
import { DeployError } from '../deploy-error.js';

const RUN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * The name of a run on the pod: `--name` when given (validated), else the prompts file's name without
 * its extension, with other characters than letters, digits, `.`, `_` and `-` replaced by `-`.
 *
 * @example
 * ```ts
 * runName(undefined, 'prompts/My songs.txt'); // 'My-songs'
 * ```
 *
 * @throws {DeployError} `CONFIG` for a `--name` that is not 1 to 64 such characters.
 */
export function runName(name: string | undefined, promptsPath: string): string {
  if (name !== undefined) {
    if (!RUN_NAME.test(name)) {
      throw new DeployError(
        'CONFIG',
        `Cannot use --name as a run name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit: current value is "${name}"`,
      );
    }
    return name;
  }
  const base = basename(promptsPath, extname(promptsPath))
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64);
  return base === '' ? 'run' : base;
}
