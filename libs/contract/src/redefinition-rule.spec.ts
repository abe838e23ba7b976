import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const workspaceRoot = resolve(import.meta.dirname, '../../..');
const eslint = new ESLint({ cwd: workspaceRoot });

async function messages(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(workspaceRoot, filePath) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

const REFUSED =
  'This name belongs to the model contract: import it from @musicgen/contract instead of defining it here.';

describe('the lint rule that keeps the contract in one place', () => {
  it.each([
    ['export const SAMPLES_PER_FRAME = 640;', 'a redefined export'],
    ['const FRAME_RATE_HZ = 50;\nexport const x = FRAME_RATE_HZ;', 'a local copy'],
    ['export const FRAMES_PER_SECOND = 50;', 'a former name'],
    ['export const DEFAULT_SAMPLING = { guidance: 3 };', 'a copy of the defaults'],
  ])('refuses %j (%s) outside libs/contract', async (code) => {
    expect(await messages(code, 'libs/chunking/src/example.ts')).toEqual([REFUSED]);
  });

  it('allows importing and re-exporting the names', async () => {
    const code = "import { SAMPLES_PER_FRAME } from '@musicgen/contract';\nexport { SAMPLES_PER_FRAME };\n";
    expect(await messages(code, 'libs/chunking/src/example.ts')).toEqual([]);
  });

  it('allows the definitions in libs/contract', async () => {
    expect(await messages('export const SAMPLES_PER_FRAME = 640;\n', 'libs/contract/src/example.ts')).toEqual(
      [],
    );
  });
});
