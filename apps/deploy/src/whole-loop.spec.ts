import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { findFreePort, startSshd, type RunningSshd } from '@musicgen/ssh/testing';
import { startS3rver, type RunningS3rver } from '@musicgen/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli/run-cli.js';

// The whole loop on CPU: the "pod" is a directory served by a real sshd; deploy:pod uploads infra/ and
// runs the real pod runtime, which starts the real CPU tritonserver (from infra/triton/ci-setup.sh's
// environments) on the tiny random MusicGen (tiny-32k-slim: the contract's audio from a narrow codec, so
// decoding is cheap on a CPU); deploy:pod --verify proves it is not MusicGen; deploy:run runs the batch
// there into s3rver; monitor:logs follows it to the end; then the batch runs on this side through --via-ssh.
const execFileAsync = promisify(execFile);
const workspaceRoot = resolve(import.meta.dirname, '../../..');
const modelCode = join(workspaceRoot, 'infra/triton/model_repository/musicgen_lm/1');

async function pythonEnvironments(): Promise<{ venv: string; tvenv: string }> {
  const { stdout } = await execFileAsync('bash', [
    '-c',
    'source "$1"; printf "%s\\n%s\\n" "$venv" "$tvenv"',
    '_',
    join(workspaceRoot, 'infra/triton/scripts/env.sh'),
  ]);
  const [venv = '', tvenv = ''] = stdout.split('\n');
  return { venv, tvenv };
}

function hasTritonserver(tvenv: string): boolean {
  const lib = join(tvenv, 'lib');
  if (!existsSync(lib)) return false;
  return readdirSync(lib).some((d) =>
    existsSync(join(lib, d, 'site-packages/pytriton/tritonserver/bin/tritonserver')),
  );
}

const environments = await pythonEnvironments();
const ready = existsSync(join(environments.venv, 'bin/python')) && hasTritonserver(environments.tvenv);

const SECRET = 'loop-secret-' + randomBytes(12).toString('hex');
const HF_SECRET = 'hf_' + randomBytes(12).toString('hex');
const wavBytes = (frames: number) => 44 + frames * 640 * 2;

let sshd: RunningSshd;
let s3: RunningS3rver;
let work: string;
let vol: string;
let tiny: string;
let env: Record<string, string>;

async function stopPod(): Promise<void> {
  if (!vol || !existsSync(join(vol, 'musicgen/infra/pod/pod.sh'))) return;
  await execFileAsync('bash', [join(vol, 'musicgen/infra/pod/pod.sh'), 'stop'], {
    env: { ...process.env, MUSICGEN_VOLUME: vol },
  }).catch(() => undefined);
}

beforeAll(async () => {
  if (!ready) return;
  work = await mkdtemp(join(tmpdir(), 'musicgen-whole-loop-'));
  vol = join(work, 'volume');
  tiny = join(work, 'tiny-32k-slim');
  await mkdir(vol);
  await execFileAsync(
    join(environments.venv, 'bin/python'),
    ['-m', 'musicgen_serving.random_model', 'tiny-32k-slim', tiny],
    {
      cwd: modelCode,
    },
  );
  [sshd, s3] = await Promise.all([startSshd(), startS3rver({ buckets: ['loop-bucket'] })]);
  const [http, grpc, metrics] = [await findFreePort(), await findFreePort(), await findFreePort()];
  env = {
    RUNPOD_HOST: `127.0.0.1:${sshd.port}`,
    RUNPOD_USER: sshd.user,
    RUNPOD_SSH_KEY: sshd.keyPath,
    RUNPOD_SSH_HOST_KEY: sshd.hostKeyFingerprint,
    RUNPOD_SSH_AGENT: 'none',
    MUSICGEN_VOLUME: vol,
    MUSICGEN_MODEL_ID: tiny,
    MUSICGEN_INSTANCE_KIND: 'cpu',
    MUSICGEN_MAX_CONCURRENT: '2',
    TRITON_HTTP_PORT: String(http),
    TRITON_GRPC_PORT: String(grpc),
    TRITON_METRICS_PORT: String(metrics),
    MUSICGEN_PYTHON_ENV: environments.venv,
    MUSICGEN_TRITONSERVER: environments.tvenv,
    MUSICGEN_S3_BUCKET: 'loop-bucket',
    MUSICGEN_S3_FORCE_PATH_STYLE: 'true',
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: SECRET,
    HF_TOKEN: HF_SECRET,
  };
}, 120_000);

afterAll(async () => {
  await stopPod();
  await Promise.all([sshd?.stop(), s3?.close()]);
  if (work) await rm(work, { recursive: true, force: true });
}, 120_000);

async function capture(
  run: (io: {
    stdout: { write(t: string): boolean };
    stderr: { write(t: string): boolean };
  }) => Promise<number>,
) {
  let stdout = '';
  let stderr = '';
  const code = await run({
    stdout: { write: (t: string) => ((stdout += t), true) },
    stderr: { write: (t: string) => ((stderr += t), true) },
  });
  return { code, stdout, stderr };
}

/** The test runner's environment without what Nx and npm add (a child would take INIT_CWD for its base directory). */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(NX_|INIT_CWD$|npm_)/.test(k)),
  );
  // as CI runs them: no colours, and the AWS SDK's Node.js notice chosen off
  return { ...clean, FORCE_COLOR: '0', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extra };
}

/** Runs a bin entry of this workspace in a child process, as a user would. */
function runBin(
  bin: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [join(workspaceRoot, bin), ...args], {
      cwd: work,
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

async function secretsInCommandLines(): Promise<string[]> {
  const leaks: string[] = [];
  for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
    const text = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (text.includes(SECRET) || text.includes(HF_SECRET)) leaks.push(text.replace(/\0/g, ' '));
  }
  return leaks;
}

async function wavSizes(prefix: string): Promise<number[]> {
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: 'loop-bucket', Prefix: prefix }));
  return (listed.Contents ?? [])
    .filter((o) => o.Key?.endsWith('.wav') && !o.Key.includes('reports/'))
    .map((o) => o.Size as number)
    .sort((a, b) => a - b);
}

describe.skipIf(!ready)('the whole loop on CPU (real sshd, pod runtime, tritonserver, s3rver)', () => {
  it('deploy:pod, deploy:run, monitor:logs to the end; then the batch here through --via-ssh', async () => {
    const leaks: string[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        leaks.push(...(await secretsInCommandLines()));
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    try {
      const deployed = await capture((io) => runCli(['pod'], { ...io, env, baseDir: work, workspaceRoot }));
      expect(deployed.stderr).toContain('Running infra/pod/pod.sh up on ');
      expect(deployed.code).toBe(0);
      expect(deployed.stdout).toBe(
        `ssh -N -L ${env.TRITON_GRPC_PORT}:127.0.0.1:${env.TRITON_GRPC_PORT} -p ${sshd.port} -i ${sshd.keyPath} ${sshd.user}@127.0.0.1\n`,
      );
      expect((await stat(join(vol, 'musicgen/pod.env'))).mode & 0o777).toBe(0o600);

      // Nothing changed: nothing uploaded, Triton not restarted.
      const again = await capture((io) => runCli(['pod'], { ...io, env, baseDir: work, workspaceRoot }));
      expect(again.code).toBe(0);
      expect(again.stderr).toMatch(/infra\/: up to date \(\d+ files\)/);
      expect(again.stderr).toContain('pod.env: unchanged');
      expect(again.stderr).not.toMatch(/started tritonserver|restarting Triton/);

      // The first-deploy proof on random weights: it runs, reports the figures, and fails.
      const verified = await capture((io) =>
        runCli(['pod', '--verify'], { ...io, env, baseDir: work, workspaceRoot }),
      );
      const where = `127.0.0.1:${sshd.port} (Triton 127.0.0.1:${env.TRITON_GRPC_PORT} there)`;
      const lines = verified.stderr.trim().split('\n');
      const start = lines.indexOf(`Verifying ${where}: ${tiny}, the fixed takes, through a tunnel from here`);
      expect(start).toBeGreaterThan(0);
      expect(lines[start + 1]).toBe(
        `Verify ${where}: ${tiny}, revision none, weights random, cpu, text_encoder float32, decoder float32, kv_cache float32, encodec float32`,
      );
      expect(lines[start + 2]).toMatch(
        /^ {2}T5 self-test: finite \(3 prompts, float32, largest \|value\| [\d.]+\)$/,
      );
      const files = (await readdir(tiny)).filter((name) => !name.startsWith('.')).length;
      expect(lines[start + 3]).toBe(`  checkpoint files: ${files} hashed`);
      const takes = lines.slice(start + 4, start + 8);
      expect(
        takes.map((l) =>
          /^ {2}take (\w+) \(seed (\d+), 10 s\): (ok|suspect \([a-z, ]+\)); loudness /.exec(l)?.slice(1, 3),
        ),
      ).toEqual([
        ['piano', '1001'],
        ['rock', '1002'],
        ['orchestral', '1003'],
        ['electronic', '1004'],
      ]);
      expect(lines).toContain(
        '  FAIL: the server serves random test weights (weights: random): their takes are noise, not music; deploy the released checkpoint',
      );
      expect(lines.at(-2)).toMatch(
        new RegExp(
          `^Verify ${where.replace(/[().]/g, '\\$&')}: FAIL \\(\\d+ problems?\\); nothing recorded$`,
        ),
      );
      expect(lines.at(-1)).toBe(
        `musicgen-deploy: Cannot trust the deployment on 127.0.0.1:${sshd.port} as its proof failed (the reasons are above)`,
      );
      expect(verified.code).toBe(1);
      expect(existsSync(join(work, 'musicgen-verified.json'))).toBe(false);

      await writeFile(join(work, 'loop.txt'), 'calm piano ; 1 ; piano\nwarm strings ; 2 ; strings\n');
      const started = await capture((io) =>
        runCli(['run', '--prompts=loop.txt', `--model=${tiny}`], {
          ...io,
          env,
          baseDir: work,
          workspaceRoot,
        }),
      );
      expect(started.code).toBe(0);
      expect(started.stderr).toMatch(/Run loop: started loop pid \d+/);

      const followed = await runBin('apps/monitor/bin/musicgen-monitor.mjs', ['logs', '--run', 'loop']);
      expect(followed.code).toBe(0);
      const runLog = await readFile(join(vol, 'musicgen/runs/loop/run.log'), 'utf8');
      expect(followed.stdout).toBe(runLog);
      expect(runLog).toMatch(/run loop: finished with exit code 0\n$/);
      expect(await wavSizes('')).toEqual([wavBytes(50), wavBytes(100)]);

      // The same model through a tunnel from this side (the laptop).
      await writeFile(join(work, 'local.txt'), 'soft bells ; 1.5 ; bells\n');
      const local = await runBin('apps/batch/bin/musicgen-batch.mjs', [
        '--prompts=local.txt',
        '--via-ssh',
        `--model=${tiny}`,
        '--out=s3://loop-bucket/local/',
      ]);
      expect(local.stderr.split('\n')[0]).toMatch(/^Tunnel to Triton through SSH: 127\.0\.0\.1:\d+$/);
      expect(local.code).toBe(0);
      expect(await wavSizes('local/')).toEqual([wavBytes(75)]);

      // deploy:and-monitor: deploy (nothing changed), run, follow to the end.
      await writeFile(join(work, 'again.txt'), 'deep bass ; 1 ; bass\n');
      const both = await capture((io) =>
        runCli(['and-monitor', '--prompts=again.txt', `--model=${tiny}`], {
          ...io,
          env,
          baseDir: work,
          workspaceRoot,
        }),
      );
      expect(both.code).toBe(0);
      expect(both.stderr).toMatch(/infra\/: up to date \(\d+ files\)/);
      expect(both.stdout.split('\n')[0]).toMatch(/^ssh -N -L /);
      expect(both.stdout).toMatch(/Z run again: finished with exit code 0\n$/);
      expect(await wavSizes('')).toEqual([wavBytes(50), wavBytes(50), wavBytes(75), wavBytes(100)]);

      const tritonLog = await readFile(join(vol, 'musicgen/triton/tritonserver.log'), 'utf8');
      for (const text of [
        deployed.stderr,
        verified.stderr,
        started.stderr,
        followed.stdout,
        local.stderr,
        tritonLog,
        runLog,
      ]) {
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain(HF_SECRET);
      }
    } finally {
      watching = false;
      await watcher;
    }
    expect(leaks).toEqual([]);
  }, 600_000);
});
