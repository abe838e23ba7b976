import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LmFacts, ServerFacts } from '@musicgen/contract';
import type { PreviewEngine } from '@musicgen/preview-engine';
import { startPreviewDouble, type PreviewDoubleOptions } from '@musicgen/preview-engine/testing';
import { startSshd, type RunningSshd } from '@musicgen/ssh/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli/run-cli.js';

// deploy:pod --verify through a real sshd: the "pod" is a directory with a stand-in pod runtime, and its
// Triton (on the pod's 127.0.0.1:TRITON_GRPC_PORT, reached through the SSH tunnel the tool opens) is a
// preview engine posing as a GPU server of contract v1.3.
const FAKE_POD_SH = `#!/usr/bin/env bash
echo "pod.sh: $*: every model is ready"
`;
const MODEL = 'facebook/musicgen-small';
const FILES = { 'config.json': 'a1'.repeat(32), 'model.safetensors': 'b2'.repeat(32) };

let sshd: RunningSshd;
let work: string;
let workspace: string;
const engines: PreviewEngine[] = [];

beforeAll(async () => {
  sshd = await startSshd();
  work = await mkdtemp(join(tmpdir(), 'musicgen-deploy-verify-'));
  workspace = join(work, 'workspace');
  await mkdir(join(workspace, 'infra', 'pod'), { recursive: true });
  await writeFile(join(workspace, 'infra', 'pod', 'pod.sh'), FAKE_POD_SH);
  await chmod(join(workspace, 'infra', 'pod', 'pod.sh'), 0o755);
});
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});
afterAll(async () => {
  await sshd?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

function posing(lm: Partial<LmFacts> = {}) {
  return (facts: ServerFacts): ServerFacts => ({
    ...facts,
    lm: {
      ...(facts.lm as LmFacts),
      modelId: MODEL,
      revision: 'e52f6b5',
      weights: 'pretrained',
      device: 'cuda:0',
      files: FILES,
      textEncoderCheck: { finite: true, nonFinite: 0, maxAbs: 0.5, prompts: 3, dtype: 'float16' },
      ...lm,
    },
  });
}

async function pod(name: string, options: PreviewDoubleOptions) {
  const engine = await startPreviewDouble(options);
  engines.push(engine);
  const volume = join(work, name);
  await mkdir(volume, { recursive: true });
  const env = {
    RUNPOD_HOST: `127.0.0.1:${sshd.port}`,
    RUNPOD_USER: sshd.user,
    RUNPOD_SSH_KEY: sshd.keyPath,
    RUNPOD_SSH_HOST_KEY: sshd.hostKeyFingerprint,
    RUNPOD_SSH_AGENT: 'none',
    MUSICGEN_VOLUME: volume,
    MUSICGEN_MODEL_ID: MODEL,
    TRITON_GRPC_PORT: String(engine.port),
  };
  return { env, volume };
}

async function deploy(argv: string[], env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env,
    baseDir: work,
    workspaceRoot: workspace,
  });
  return { code, stdout, stderr };
}

describe('deploy:pod --verify (real sshd, the proof through the tunnel it opens)', () => {
  it('passes a good pod and records it; a second deploy compares with the record; a changed checkpoint fails', async () => {
    const { env } = await pod('pod-good', { facts: posing() });
    const where = `127.0.0.1:${sshd.port} (Triton 127.0.0.1:${env.TRITON_GRPC_PORT} there)`;
    const record = join(work, 'musicgen-verified.json');
    const first = await deploy(['pod', '--verify'], env);
    const lines = first.stderr.split('\n');
    expect(first.code).toBe(0);
    const start = lines.indexOf('pod.sh: up: every model is ready') + 1;
    expect(lines.slice(start, start + 4)).toEqual([
      `Verifying ${where}: ${MODEL}, the fixed takes, through a tunnel from here`,
      `Verify ${where}: ${MODEL}, revision e52f6b5, weights pretrained, cuda:0`,
      '  T5 self-test: finite (3 prompts, float16, largest |value| 0.5)',
      '  checkpoint files: 2 hashed',
    ]);
    expect(lines.slice(start + 4, start + 8).map((l) => l.replace(/\):? .*$/, ')'))).toEqual([
      '  take piano (seed 1001, 10 s)',
      '  take rock (seed 1002, 10 s)',
      '  take orchestral (seed 1003, 10 s)',
      '  take electronic (seed 1004, 10 s)',
    ]);
    expect(lines).toContain(
      `Verify ${where}: PASS; the checkpoint and the figures are recorded in ${record}`,
    );
    expect(lines.at(-3)).toBe(
      `Triton is ready on 127.0.0.1:${sshd.port}. Open the tunnel to its gRPC port with:`,
    );
    const recorded = JSON.parse(await readFile(record, 'utf8'));
    expect(Object.keys(recorded.models)).toEqual([MODEL]);
    expect(recorded.models[MODEL]).toMatchObject({ where, revision: 'e52f6b5', files: FILES });
    expect(recorded.models[MODEL].takes.map((t: { seed: number }) => t.seed)).toEqual([
      1001, 1002, 1003, 1004,
    ]);

    const again = await deploy(['pod', '--verify'], env);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(
      `  note: checkpoint: the same revision and files as the verification of ${recorded.models[MODEL].verifiedAt}\n`,
    );

    const moved = await pod('pod-moved', { facts: posing({ revision: 'f00dbab' }) });
    const refused = await deploy(['pod', '--verify'], { ...moved.env });
    expect(refused.code).toBe(1);
    const tail = refused.stderr.trim().split('\n').slice(-3);
    expect(tail).toEqual([
      `  FAIL: the checkpoint's revision is f00dbab, the verification of ${JSON.parse(await readFile(record, 'utf8')).models[MODEL].verifiedAt} had e52f6b5: if the new checkpoint is intended, remove the entry of ${MODEL} from ${record} and verify again`,
      `Verify 127.0.0.1:${sshd.port} (Triton 127.0.0.1:${moved.env.TRITON_GRPC_PORT} there): FAIL (1 problem); nothing recorded`,
      `musicgen-deploy: Cannot trust the deployment on 127.0.0.1:${sshd.port} as its proof failed (the reasons are above)`,
    ]);
    expect(refused.stdout).toBe('');
    expect(JSON.parse(await readFile(record, 'utf8')).models[MODEL].revision).toBe('e52f6b5');
  });

  it('fails a pod whose takes come out silent, and keeps the record file it was given with --verify-record', async () => {
    const { env } = await pod('pod-silent', { facts: posing(), silentSeeds: [1002] });
    const result = await deploy(['pod', '--verify', '--verify-record=records/other.json'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('\n  FAIL: the rock take (seed 1002) is silent\n');
    expect(result.stderr).toContain(
      `  note: no earlier verification of ${MODEL} in ${join(work, 'records/other.json')}: this checkpoint (revision e52f6b5, 2 files) becomes the expected one when the proof passes\n`,
    );
    await expect(readFile(join(work, 'records/other.json'), 'utf8')).rejects.toThrow(/ENOENT/);
  });
});
