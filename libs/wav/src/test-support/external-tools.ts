import { spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';

const INSTALL_HINT = 'apt-get install sox ffmpeg';

function onPath(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/**
 * A describe block for tests that need Debian command-line tools (sox, ffprobe, ffmpeg). When a tool is
 * missing the block is skipped with a message naming the package, except under CI (`process.env.CI` set),
 * where it fails.
 */
export function describeWithTools(tools: readonly string[], name: string, body: () => void): void {
  const missing = tools.filter((tool) => !onPath(tool));
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  const message = `${missing.join(', ')} not installed: run \`${INSTALL_HINT}\``;
  if (process.env['CI']) {
    describe(name, () => {
      it('has the required tools', () => {
        throw new Error(`Cannot run independent decoder tests: ${message}`);
      });
    });
    return;
  }
  console.warn(`Skipping "${name}": ${message}`);
  describe.skip(`${name} (skipped: ${message})`, body);
}

/** Runs a tool and returns its stdout; throws with its stderr when it fails. */
export function run(tool: string, args: readonly string[]): Buffer {
  const result = spawnSync(tool, args, { maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(
      `${tool} ${args.join(' ')} failed with status ${result.status}: ${result.stderr.toString()}`,
    );
  }
  return result.stdout;
}

/** Reads raw little-endian float32 bytes as numbers (-0 read as 0). */
export function f32le(bytes: Buffer): number[] {
  const copy = new Uint8Array(bytes);
  return Array.from(new Float32Array(copy.buffer, 0, copy.length / 4), (x) => x + 0);
}

/** Largest absolute difference between two equally long sequences (Infinity when lengths differ). */
export function maxAbsDifference(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Infinity;
  return a.reduce((max, x, i) => Math.max(max, Math.abs(x - (b[i] as number))), 0);
}
