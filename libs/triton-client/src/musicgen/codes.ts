import { codesProblem, type Codes } from '@musicgen/contract';

/**
 * Checks that codes are well formed (see `codesProblem` in `@musicgen/contract`).
 *
 * @throws {RangeError} `"{action}: {label} {problem}"`, e.g. `Cannot decode codes: codes value out of
 * range 0..2047 at [3, 0]: got -1`.
 */
export function validateCodes(codes: Codes, action: string, label: string, minFrames = 1): void {
  const problem = codesProblem(codes, minFrames);
  if (problem !== undefined) throw new RangeError(`${action}: ${label} ${problem}`);
}
