import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startPreviewEngine, type PreviewEngine } from '@musicgen/preview-engine';
import { sshdPodEnv, startSshd, type RunningSshd } from '@musicgen/ssh/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliProcess, tempWorkspace, wavFiles } from './testing/cli-process.js';

// The "pod": Triton's stand-in listens on this machine's loopback, reachable only through the real
// sshd that the batch tunnels through with --via-ssh.
let sshd: RunningSshd;
let sshd2: RunningSshd;
let engine: PreviewEngine;
beforeAll(async () => {
  [sshd, engine] = await Promise.all([startSshd(), startPreviewEngine({ maxConcurrentRequests: 2 })]);
  // A second "pod" reached with the same key.
  sshd2 = await startSshd({ clientKey: sshd.keyPath });
});
afterAll(async () => {
  await Promise.all([sshd?.stop(), sshd2?.stop(), engine?.close()]);
});

function podEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...sshdPodEnv(sshd),
    TRITON_GRPC_PORT: String(engine.port),
    ...extra,
  };
}

describe('musicgen-batch --via-ssh', () => {
  it('generates through an SSH tunnel to the pod’s gRPC port', async () => {
    const ws = await tempWorkspace('calm piano ; 1 ; piano\nwarm strings ; 1.5 ; strings\n');
    try {
      const { code, stderr } = await runCliProcess(['--prompts', 'prompts.txt', '--via-ssh'], {
        cwd: ws.dir,
        env: podEnv(),
      });
      expect(code).toBe(0);
      expect(stderr.split('\n')[0]).toMatch(/^Tunnel to Triton through SSH: 127\.0\.0\.1:\d+$/);
      expect(stderr).toMatch(/Note: 127\.0\.0\.1:\d+ serves the preview engine/);
      const out = join(ws.dir, 'output');
      const files = await wavFiles(out);
      expect(files).toEqual([
        expect.stringMatching(/^piano_[0-9a-f]{8}\.wav$/),
        expect.stringMatching(/^strings_[0-9a-f]{8}\.wav$/),
      ]);
      expect(await Promise.all(files.map(async (f) => (await stat(join(out, f))).size))).toEqual([
        44 + 50 * 1280,
        44 + 75 * 1280,
      ]);
    } finally {
      await ws.close();
    }
  }, 120_000);

  it('with several pods, tunnels to each and spreads the windows over all tunnels', async () => {
    const lines = Array.from({ length: 8 }, (_, i) => `tunnel piece ${i} ; 1 ; piece${i}`).join('\n');
    const ws = await tempWorkspace(lines + '\n');
    try {
      const { code, stdout, stderr } = await runCliProcess(
        ['--prompts', 'prompts.txt', '--via-ssh', '--json'],
        {
          cwd: ws.dir,
          env: podEnv({
            RUNPOD_HOST: `127.0.0.1:${sshd.port},127.0.0.1:${sshd2.port}`,
            RUNPOD_SSH_HOST_KEY: `${sshd.hostKeyFingerprint},${sshd2.hostKeyFingerprint}`,
          }),
        },
      );
      expect(code, stderr).toBe(0);
      const tunnels = /^Tunnel to Triton through SSH: (127\.0\.0\.1:\d+), (127\.0\.0\.1:\d+)$/m.exec(stderr);
      expect(tunnels).not.toBeNull();
      const report = JSON.parse(stdout);
      expect(report.summary).toMatchObject({ generated: 8, failed: 0 });
      // Each tunnel is an endpoint of its own (2 slots each, plus one waiting), and both took windows.
      expect(
        report.servers.map((s: { address: string; capacity: number; peakInFlight: number }) => [
          s.address,
          s.capacity,
          s.peakInFlight,
        ]),
      ).toEqual([
        [tunnels?.[1], 2, 3],
        [tunnels?.[2], 2, 3],
      ]);
    } finally {
      await ws.close();
    }
  }, 120_000);

  it.each([
    [
      ['--triton', '127.0.0.1:8001'],
      {},
      'musicgen-batch: Cannot use --via-ssh with --triton: give only one of them',
    ],
    [
      [],
      { RUNPOD_SSH_HOST_KEY: 'SHA256:XIc90dMuLyg5pUuVgOGyJvTxMgJxqD5jpGNh9FCgbJM' },
      'musicgen-batch: --via-ssh: Cannot trust the pod 127.0.0.1:{PORT} as its host key does not match RUNPOD_SSH_HOST_KEY: expected SHA256:XIc90dMuLyg5pUuVgOGyJvTxMgJxqD5jpGNh9FCgbJM, the server offers {FP}',
    ],
  ])(
    'refuses %j in one line (exit 2)',
    async (args, extra, message) => {
      const ws = await tempWorkspace('calm piano ; 1 ; piano\n');
      try {
        const { code, stderr } = await runCliProcess(['--prompts', 'prompts.txt', '--via-ssh', ...args], {
          cwd: ws.dir,
          env: podEnv(extra),
        });
        expect({ code, stderr }).toEqual({
          code: 2,
          stderr:
            message.replace('{PORT}', String(sshd.port)).replace('{FP}', sshd.hostKeyFingerprint) + '\n',
        });
      } finally {
        await ws.close();
      }
    },
    60_000,
  );
});
