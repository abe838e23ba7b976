import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshdPodEnv, startCuttingProxy, startSshd, type RunningSshd } from '@musicgen/ssh/testing';
import { runCli } from './cli/run-cli.js';

let sshd: RunningSshd;
let work: string;
let workspace: string;

// A stand-in for the pod runtime: records how it was called (verb and volume), prints a line.
const FAKE_POD_SH = `#!/usr/bin/env bash
echo "$* MUSICGEN_VOLUME=$MUSICGEN_VOLUME" >> "$MUSICGEN_VOLUME/pod-calls"
echo "pod.sh: $*: every model is ready"
`;
const SECRET = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY-' + randomBytes(6).toString('hex');
const HF_SECRET = 'hf_' + randomBytes(12).toString('hex');

beforeAll(async () => {
  sshd = await startSshd();
  work = await mkdtemp(join(tmpdir(), 'musicgen-deploy-pod-'));
  workspace = join(work, 'workspace');
  await mkdir(join(workspace, 'infra', 'pod'), { recursive: true });
  await mkdir(join(workspace, 'infra', 'triton', 'model_repository', 'm', '1'), { recursive: true });
  await writeFile(join(workspace, 'infra', 'pod', 'pod.sh'), FAKE_POD_SH);
  await chmod(join(workspace, 'infra', 'pod', 'pod.sh'), 0o755);
  await writeFile(
    join(workspace, 'infra', 'triton', 'model_repository', 'm', '1', 'model.py'),
    'print("model")\n',
  );
  await writeFile(join(workspace, 'infra', 'README.md'), 'infra\n');
});
afterAll(async () => {
  await sshd?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function volume(name: string): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

function baseEnv(
  volumeDir: string,
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    ...sshdPodEnv(sshd),
    MUSICGEN_VOLUME: volumeDir,
    MUSICGEN_S3_BUCKET: 'renders',
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
    AWS_SECRET_ACCESS_KEY: SECRET,
    HF_TOKEN: HF_SECRET,
    MUSICGEN_MODEL_ID: 'facebook/musicgen-small',
    ...extra,
  };
}

async function deploy(argv: string[], env: Record<string, string | undefined>, root = workspace) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env,
    baseDir: work,
    workspaceRoot: root,
  });
  return { code, stdout, stderr };
}

describe('deploy:pod', () => {
  it('uploads infra/ and a mode-600 settings file, runs up, prints the tunnel; a second run changes nothing', async () => {
    const vol = await volume('pod-a');
    const env = baseEnv(vol);
    const first = await deploy(['pod'], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(
      `ssh -N -L 8001:127.0.0.1:8001 -p ${sshd.port} -i ${sshd.keyPath} ${sshd.user}@127.0.0.1\n`,
    );
    const pod = join(vol, 'musicgen');
    expect(first.stderr.split('\n')).toEqual([
      `Connected to 127.0.0.1:${sshd.port} as ${sshd.user} (host key ${sshd.hostKeyFingerprint}, pinned)`,
      `infra/: 3 files uploaded (0.2 kB), 0 unchanged, in ${pod}/infra`,
      `${pod}/pod.env: written with mode 600 (5 settings: MUSICGEN_MODEL_ID, HF_TOKEN, MUSICGEN_S3_BUCKET, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)`,
      `Running infra/pod/pod.sh up on 127.0.0.1:${sshd.port}`,
      'pod.sh: up: every model is ready',
      `Triton is ready on 127.0.0.1:${sshd.port}. Open the tunnel to its gRPC port with:`,
      'or let the batch open it: npx nx run batch:run --prompts=prompts.txt --via-ssh',
      `Note: facebook/musicgen-small has no passing proof in ${join(work, 'musicgen-verified.json')}: run deploy:pod --verify (the first-deploy proof) before trusting its takes`,
      '',
    ]);
    expect((await stat(join(pod, 'pod.env'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(pod, 'pod.env'), 'utf8')).toBe(
      [
        '# The pod settings file, written by `nx run deploy:pod` from the laptop environment (.env).',
        '# Mode 600: it holds secrets. Read by infra/pod/pod.sh, and by the batch as its .env.',
        'MUSICGEN_MODEL_ID=facebook/musicgen-small',
        `HF_TOKEN=${HF_SECRET}`,
        'MUSICGEN_S3_BUCKET=renders',
        'AWS_ACCESS_KEY_ID=AKIAEXAMPLE',
        `AWS_SECRET_ACCESS_KEY=${SECRET}`,
        '',
      ].join('\n'),
    );
    expect(await readFile(join(pod, 'infra', 'pod', 'pod.sh'), 'utf8')).toBe(FAKE_POD_SH);

    const second = await deploy(['pod'], env);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(`infra/: up to date (3 files) in ${pod}/infra\n`);
    expect(second.stderr).toContain(`${pod}/pod.env: unchanged (5 settings:`);
    const third = await deploy(['pod', '--restart'], env);
    expect(third.code).toBe(0);
    expect(await readFile(join(vol, 'pod-calls'), 'utf8')).toBe(
      `up MUSICGEN_VOLUME=${vol}\nup MUSICGEN_VOLUME=${vol}\nup --restart MUSICGEN_VOLUME=${vol}\n`,
    );
    // No secret in anything the tool printed.
    for (const text of [first.stdout, first.stderr, second.stderr, third.stderr]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(HF_SECRET);
    }
  });

  it('refuses a host key that does not match, in one line with both fingerprints, and uploads nothing', async () => {
    const vol = await volume('pod-mismatch');
    const wrong = 'SHA256:XIc90dMuLyg5pUuVgOGyJvTxMgJxqD5jpGNh9FCgbJM';
    const result = await deploy(['pod'], baseEnv(vol, { RUNPOD_SSH_HOST_KEY: wrong }));
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: `musicgen-deploy: Cannot trust the pod 127.0.0.1:${sshd.port} as its host key does not match RUNPOD_SSH_HOST_KEY: expected ${wrong}, the server offers ${sshd.hostKeyFingerprint}\n`,
    });
    expect(await readdir(vol)).toEqual([]);
  });

  it('needs --accept-new-host-key for an unknown pod, then records it', async () => {
    const vol = await volume('pod-new');
    const knownHosts = join(work, 'known_hosts');
    const env = baseEnv(vol, { RUNPOD_SSH_HOST_KEY: undefined, RUNPOD_KNOWN_HOSTS: knownHosts });
    const refused = await deploy(['pod'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^musicgen-deploy: Cannot trust the pod 127\.0\.0\.1:\d+ as its host key is not in .*--accept-new-host-key or set RUNPOD_SSH_HOST_KEY=SHA256:\S+\n$/,
    );
    expect(await readdir(vol)).toEqual([]);
    const accepted = await deploy(['pod', '--accept-new-host-key'], env);
    expect(accepted.code).toBe(0);
    expect(accepted.stderr).toContain(`(host key ${sshd.hostKeyFingerprint}, new, recorded in known_hosts)`);
    expect(await readFile(knownHosts, 'utf8')).toBe(sshd.knownHostsLine + '\n');
  });

  it('recovers from a connection cut mid-upload: no partial file under a real name, the next deploy completes', async () => {
    const root = join(work, 'big-workspace');
    await mkdir(join(root, 'infra', 'pod'), { recursive: true });
    await writeFile(join(root, 'infra', 'pod', 'pod.sh'), FAKE_POD_SH, { mode: 0o755 });
    const blobs = new Map<string, Buffer>();
    for (let i = 0; i < 5; i++) {
      const data = randomBytes(300_000);
      blobs.set(`weights-${i}.bin`, data);
      await writeFile(join(root, 'infra', `weights-${i}.bin`), data);
    }
    const vol = await volume('pod-cut');
    const proxy = await startCuttingProxy(sshd.port);
    proxy.cutAfterClientBytes(700_000);
    const cut = await deploy(['pod'], baseEnv(vol, { RUNPOD_HOST: `127.0.0.1:${proxy.port}` }), root);
    expect(cut.code).toBe(1);
    expect(cut.stderr.trim().split('\n').pop()).toMatch(/^musicgen-deploy: /);
    const infra = join(vol, 'musicgen', 'infra');
    for (const name of await readdir(infra)) {
      if (name.startsWith('.') || name === 'pod') continue;
      expect((await readFile(join(infra, name))).equals(blobs.get(name) as Buffer), name).toBe(true);
    }
    expect(await readdir(vol)).not.toContain('pod-calls');
    const again = await deploy(['pod'], baseEnv(vol, { RUNPOD_HOST: `127.0.0.1:${proxy.port}` }), root);
    expect(again.code).toBe(0);
    expect((await readdir(infra)).sort()).toEqual(['.sync-manifest.json', 'pod', ...blobs.keys()].sort());
    for (const [name, data] of blobs) expect((await readFile(join(infra, name))).equals(data)).toBe(true);
    await proxy.close();
  });
});

describe('settings errors: one clear line each, exit 2, nothing uploaded', () => {
  const cases: [string, Record<string, string | undefined>, string[], string][] = [
    [
      'RUNPOD_HOST missing',
      { RUNPOD_HOST: undefined },
      ['pod'],
      "Cannot reach the pod as RUNPOD_HOST is not set: set it to the pod's public IP (RunPod: Connect > SSH over exposed TCP), for example RUNPOD_HOST=203.0.113.7",
    ],
    [
      'RUNPOD_HOST malformed',
      { RUNPOD_HOST: 'root@pod' },
      ['pod'],
      'Cannot use RUNPOD_HOST as each entry must be a host name or IP, optionally with :port (IPv6 as [addr]:port): current value is "root@pod"',
    ],
    [
      'RUNPOD_SSH_PORT malformed',
      { RUNPOD_HOST: '127.0.0.1', RUNPOD_SSH_PORT: 'twenty-two' },
      ['pod'],
      'Cannot use RUNPOD_SSH_PORT as the port must be an integer from 1 to 65535: current value is "twenty-two"',
    ],
    [
      'RUNPOD_USER malformed',
      { RUNPOD_USER: 'root;rm' },
      ['pod'],
      'Cannot use RUNPOD_USER as a user name has only letters, digits, ".", "_" and "-": current value is "root;rm"',
    ],
    [
      'no key and no agent',
      { RUNPOD_SSH_KEY: undefined },
      ['pod'],
      'Cannot log in to the pod as no SSH key or agent is configured: set RUNPOD_SSH_KEY to your private key file (for example ~/.ssh/id_ed25519) or start ssh-agent (SSH_AUTH_SOCK is unset)',
    ],
    [
      'RUNPOD_SSH_KEY missing file',
      { RUNPOD_SSH_KEY: '/nonexistent/id_ed25519' },
      ['pod'],
      'Cannot read the SSH key RUNPOD_SSH_KEY as the file does not exist: current value is "/nonexistent/id_ed25519"',
    ],
    [
      'RUNPOD_SSH_HOST_KEY malformed',
      { RUNPOD_SSH_HOST_KEY: 'ab:cd:ef' },
      ['pod'],
      'Cannot use RUNPOD_SSH_HOST_KEY as each fingerprint must look like SHA256: and 43 base64 characters, as `ssh-keygen -lf` prints it: current value is "ab:cd:ef"',
    ],
    [
      'RUNPOD_SSH_AGENT pageant off Windows',
      { RUNPOD_SSH_AGENT: 'pageant' },
      ['pod'],
      'Cannot use RUNPOD_SSH_AGENT as Pageant exists only on Windows: current value is "pageant" (use a socket path, or leave it empty)',
    ],
    [
      'MUSICGEN_VOLUME relative',
      { MUSICGEN_VOLUME: 'workspace' },
      ['pod'],
      'Cannot use MUSICGEN_VOLUME as it must be an absolute path on the pod: current value is "workspace"',
    ],
    [
      'TRITON_GRPC_PORT malformed',
      { TRITON_GRPC_PORT: '80001' },
      ['pod'],
      'Cannot use TRITON_GRPC_PORT as it must be a TCP port from 1 to 65535: current value is "80001"',
    ],
    [
      'half an AWS key pair',
      { AWS_SECRET_ACCESS_KEY: undefined },
      ['pod'],
      'Cannot give the pod S3 credentials as AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both in .env (or neither)',
    ],
    [
      'a secret with a line break',
      { AWS_SECRET_ACCESS_KEY: `${SECRET}\nX=1` },
      ['pod'],
      "Cannot write AWS_SECRET_ACCESS_KEY into the pod's settings file as its value has a line break or NUL character (the value is not shown): fix it in .env",
    ],
    [
      '--host not in the list',
      {},
      ['pod', '--host', '10.0.0.9'],
      `Cannot use --host as it is not one of RUNPOD_HOST (127.0.0.1:{PORT}): current value is "10.0.0.9"`,
    ],
    [
      'run without --prompts',
      {},
      ['run'],
      'Missing --prompts <file>: give the prompts file to run on the pod, for example --prompts=prompts.txt',
    ],
    [
      'run with a missing prompts file',
      {},
      ['run', '--prompts=nope.txt'],
      'Cannot read --prompts as the file does not exist: current value is "nope.txt"',
    ],
    [
      'run without a bucket',
      { MUSICGEN_S3_BUCKET: '' },
      ['run', '--prompts=prompts.txt'],
      'Cannot run the batch on the pod as MUSICGEN_S3_BUCKET is not set: the pod writes the WAV files to S3; set it (and the AWS_* credentials) in .env',
    ],
    [
      'run with a bad --name',
      {},
      ['run', '--prompts=prompts.txt', '--name=../x'],
      `Cannot use --name as a run name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit: current value is "../x"`,
    ],
    [
      'run with a flag deploy:run sets itself',
      {},
      ['run', '--prompts=prompts.txt', '--triton=1.2.3.4:8001'],
      'Cannot pass --triton to the batch on the pod as deploy:run sets it itself: remove it',
    ],
  ];
  it.each(cases)('%s', async (_name, extra, argv, message) => {
    const vol = await volume('pod-errors');
    await writeFile(join(work, 'prompts.txt'), 'calm piano ; 1 ; piano\n');
    const result = await deploy(argv, baseEnv(vol, extra));
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: `musicgen-deploy: ${message.replace('{PORT}', String(sshd.port))}\n`,
    });
    expect(result.stderr).not.toContain(SECRET);
    expect(await readdir(vol)).toEqual([]);
  });
});
