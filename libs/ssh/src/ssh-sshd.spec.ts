import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, type SshConnection } from './connect-ssh.js';
import { writeRemoteFileAtomic } from './remote-files.js';
import { runRemote, runRemoteChecked } from './run-remote.js';
import { resolveSshSettings, type SshHost, type SshSettings } from './ssh-settings.js';
import { SshError } from './ssh-errors.js';
import { syncDirectory } from './sync-directory.js';
import { openLocalForward } from './open-local-forward.js';
import { followRemoteFiles } from './follow-remote-files.js';
import { statRemote } from './remote-files.js';
import { appendFile } from 'node:fs/promises';
import { startCuttingProxy, startSshd, type RunningSshd } from './testing/index.js';

const execFileAsync = promisify(execFile);

let sshd: RunningSshd;
let work: string;

beforeAll(async () => {
  sshd = await startSshd();
  work = await mkdtemp(join(tmpdir(), 'musicgen-ssh-spec-'));
});
afterAll(async () => {
  await sshd?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

function settings(env: Record<string, string> = {}): SshSettings {
  return resolveSshSettings({
    env: {
      RUNPOD_HOST: `127.0.0.1:${sshd.port}`,
      RUNPOD_SSH_KEY: sshd.keyPath,
      RUNPOD_USER: sshd.user,
      RUNPOD_SSH_HOST_KEY: sshd.hostKeyFingerprint,
      RUNPOD_SSH_AGENT: 'none',
      ...env,
    },
    baseDir: work,
  });
}

async function connect(env: Record<string, string> = {}, acceptNewHostKey = false): Promise<SshConnection> {
  const s = settings(env);
  return connectSsh({ host: s.hosts[0] as SshHost, settings: s, acceptNewHostKey });
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SshError);
    return { code: (error as SshError).code, message: (error as SshError).message };
  }
  throw new Error('expected a refusal');
}

describe('host keys', () => {
  it('accepts the pinned fingerprint and runs a command', async () => {
    const connection = await connect();
    expect(connection.hostKey).toEqual({ fingerprint: sshd.hostKeyFingerprint, by: 'pinned' });
    expect(await runRemote(connection, 'echo hello; echo oops >&2; exit 3')).toEqual({
      code: 3,
      stdout: 'hello\n',
      stderr: 'oops\n',
    });
    connection.close();
  });

  it('refuses a pinned fingerprint that differs, showing both', async () => {
    const wrong = 'SHA256:XIc90dMuLyg5pUuVgOGyJvTxMgJxqD5jpGNh9FCgbJM';
    expect(await refusal(connect({ RUNPOD_SSH_HOST_KEY: wrong }))).toEqual({
      code: 'HOST_KEY_MISMATCH',
      message: `Cannot trust the pod 127.0.0.1:${sshd.port} as its host key does not match RUNPOD_SSH_HOST_KEY: expected ${wrong}, the server offers ${sshd.hostKeyFingerprint}`,
    });
  });

  it('refuses an unknown host, records it with the flag, then knows it (plain and hashed known_hosts)', async () => {
    const knownHosts = join(work, 'kh', 'known_hosts');
    const env = { RUNPOD_SSH_HOST_KEY: '', RUNPOD_KNOWN_HOSTS: knownHosts };
    expect(await refusal(connect(env))).toEqual({
      code: 'HOST_KEY_UNKNOWN',
      message: `Cannot trust the pod 127.0.0.1:${sshd.port} as its host key is not in ${knownHosts}: the server offers ${sshd.hostKeyFingerprint}; compare it with the pod's (RunPod web terminal: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then run again with --accept-new-host-key or set RUNPOD_SSH_HOST_KEY=${sshd.hostKeyFingerprint}`,
    });
    const first = await connect(env, true);
    expect(first.hostKey.by).toBe('recorded');
    first.close();
    expect(await readFile(knownHosts, 'utf8')).toBe(sshd.knownHostsLine + '\n');
    expect((await stat(knownHosts)).mode & 0o777).toBe(0o600);
    const second = await connect(env);
    expect(second.hostKey.by).toBe('known_hosts');
    second.close();
    // OpenSSH's own hashing of the file is understood too.
    await execFileAsync('ssh-keygen', ['-H', '-f', knownHosts]);
    expect(await readFile(knownHosts, 'utf8')).toMatch(/^\|1\|/);
    const hashed = await connect(env);
    expect(hashed.hostKey.by).toBe('known_hosts');
    hashed.close();
  });

  it('refuses a host whose known_hosts key changed, showing both fingerprints', async () => {
    const knownHosts = join(work, 'known_hosts_changed');
    const otherKey = 'AAAAC3NzaC1lZDI1NTE5AAAAIICpDI92rOs3qu5aisCORUAcPM7orhJ/WYNNSwalKeDu';
    await writeFile(knownHosts, `[127.0.0.1]:${sshd.port} ssh-ed25519 ${otherKey}\n`);
    expect(await refusal(connect({ RUNPOD_SSH_HOST_KEY: '', RUNPOD_KNOWN_HOSTS: knownHosts }, true))).toEqual(
      {
        code: 'HOST_KEY_MISMATCH',
        message: `Cannot trust the pod 127.0.0.1:${sshd.port} as its host key changed: ${knownHosts} has SHA256:IG3+Y7qoTI48aXPjP/0ZYtB6qFlywsGDIuhSTqSWoVQ, the server offers ${sshd.hostKeyFingerprint} (if the pod was re-created, remove its line with \`ssh-keygen -R "[127.0.0.1]:${sshd.port}"\`)`,
      },
    );
  });
});

describe('log in', () => {
  it('says which key the server refused', async () => {
    const other = join(work, 'other_key');
    await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    expect(await refusal(connect({ RUNPOD_SSH_KEY: other }))).toEqual({
      code: 'AUTH_FAILED',
      message: `Cannot log in to 127.0.0.1:${sshd.port} as ${sshd.user} as the server refused every key offered: add your public key to the pod (RunPod: Settings > SSH Public Keys) or check RUNPOD_SSH_KEY and RUNPOD_USER`,
    });
  });

  it('reads an encrypted key with its passphrase, and says what is missing or wrong', async () => {
    const encrypted = join(work, 'encrypted_key');
    await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'correct horse', '-f', encrypted]);
    expect(await refusal(connect({ RUNPOD_SSH_KEY: encrypted }))).toEqual({
      code: 'SSH_CONFIG',
      message: `Cannot use the SSH key ${encrypted} as it is encrypted: set RUNPOD_SSH_KEY_PASSPHRASE (or load the key into your SSH agent and leave RUNPOD_SSH_KEY empty)`,
    });
    expect(
      await refusal(connect({ RUNPOD_SSH_KEY: encrypted, RUNPOD_SSH_KEY_PASSPHRASE: 'wrong horse' })),
    ).toEqual({
      code: 'SSH_CONFIG',
      message: `Cannot decrypt the SSH key ${encrypted} as RUNPOD_SSH_KEY_PASSPHRASE is wrong: check the passphrase`,
    });
    // Right passphrase: the key decrypts; this server then refuses it as it is not authorized.
    expect(
      (await refusal(connect({ RUNPOD_SSH_KEY: encrypted, RUNPOD_SSH_KEY_PASSPHRASE: 'correct horse' })))
        .code,
    ).toBe('AUTH_FAILED');
    expect(await refusal(connect({ RUNPOD_SSH_KEY: join(work, 'nope') }))).toEqual({
      code: 'SSH_CONFIG',
      message: `Cannot read the SSH key RUNPOD_SSH_KEY as the file does not exist: current value is "${join(work, 'nope')}"`,
    });
    await writeFile(join(work, 'public.pub'), 'ssh-ed25519 AAAA me\n');
    expect((await refusal(connect({ RUNPOD_SSH_KEY: join(work, 'public.pub') }))).message).toMatch(
      new RegExp(
        `^Cannot use the SSH key ${join(work, 'public.pub')} as it is not a private key ssh2 can read \\(.*\\): point RUNPOD_SSH_KEY at the private half, for example ~/.ssh/id_ed25519 \\(not the .pub file\\)$`,
      ),
    );
  });

  it('says the connection was refused on a closed port', async () => {
    expect(await refusal(connect({ RUNPOD_HOST: '127.0.0.1:1' }))).toEqual({
      code: 'CONNECT_FAILED',
      message:
        'Cannot connect to the pod 127.0.0.1:1 as the connection was refused: check that the pod is running and RUNPOD_HOST / RUNPOD_SSH_PORT match its SSH over exposed TCP address',
    });
  });
});

describe('remote files', () => {
  it('passes stdin, and reports a failing command in one line', async () => {
    const connection = await connect();
    expect((await runRemote(connection, 'cat', { stdin: 'from stdin' })).stdout).toBe('from stdin');
    await expect(
      runRemoteChecked(connection, 'echo first >&2; echo "no such thing" >&2; exit 4', 'check'),
    ).rejects.toThrow(
      `Cannot check on the pod 127.0.0.1:${sshd.port} as the command exited with 4: no such thing`,
    );
    connection.close();
  });

  it('writes a file atomically with mode 600', async () => {
    const connection = await connect();
    const sftp = await connection.sftp();
    const path = join(work, 'pod.env');
    await writeRemoteFileAtomic(sftp, path, 'A=1\n', 0o600);
    await writeRemoteFileAtomic(sftp, path, 'A=2\n', 0o600);
    expect(await readFile(path, 'utf8')).toBe('A=2\n');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(work)).not.toContainEqual(expect.stringMatching(/upload/));
    connection.close();
  });

  it('syncs a directory by content hash: all, nothing, what changed, what was removed', async () => {
    const local = join(work, 'local');
    const remote = join(work, 'remote');
    await mkdir(join(local, 'pod', '__pycache__'), { recursive: true });
    await writeFile(join(local, 'README.md'), 'readme\n');
    await writeFile(join(local, 'pod', 'pod.sh'), '#!/bin/sh\necho up\n');
    await chmod(join(local, 'pod', 'pod.sh'), 0o755);
    await writeFile(join(local, 'pod', 'gone.txt'), 'old\n');
    await writeFile(join(local, 'pod', '__pycache__', 'x.pyc'), 'cache');
    const connection = await connect();
    const sftp = await connection.sftp();
    const sync = () => syncDirectory({ sftp, localDir: local, remoteDir: remote });
    expect(await sync()).toEqual({
      uploaded: ['README.md', 'pod/gone.txt', 'pod/pod.sh'],
      removed: [],
      unchanged: 0,
      bytesUploaded: 7 + 4 + 18,
    });
    expect((await stat(join(remote, 'pod', 'pod.sh'))).mode & 0o111).not.toBe(0);
    expect(await readdir(join(remote, 'pod'))).toEqual(['gone.txt', 'pod.sh']);
    expect(await sync()).toEqual({ uploaded: [], removed: [], unchanged: 3, bytesUploaded: 0 });
    await writeFile(join(local, 'README.md'), 'readme v2\n');
    await rm(join(local, 'pod', 'gone.txt'));
    await writeFile(join(remote, 'pod', 'not-ours.log'), 'kept');
    expect(await sync()).toEqual({
      uploaded: ['README.md'],
      removed: ['pod/gone.txt'],
      unchanged: 1,
      bytesUploaded: 10,
    });
    expect(await readFile(join(remote, 'README.md'), 'utf8')).toBe('readme v2\n');
    expect((await readdir(join(remote, 'pod'))).sort()).toEqual(['not-ours.log', 'pod.sh']);
    // A file changed on the pod behind the manifest's back (different size) is put right.
    await writeFile(join(remote, 'pod', 'pod.sh'), 'edited on the pod, longer\n');
    expect((await sync()).uploaded).toEqual(['pod/pod.sh']);
    connection.close();
  });

  it('never leaves a partial file under a real name when the connection is cut mid-upload', async () => {
    const local = join(work, 'big');
    const remote = join(work, 'big-remote');
    await mkdir(local);
    const contents = new Map<string, Buffer>();
    for (let i = 0; i < 6; i++) {
      const data = randomBytes(400_000);
      contents.set(`f${i}.bin`, data);
      await writeFile(join(local, `f${i}.bin`), data);
    }
    const proxy = await startCuttingProxy(sshd.port);
    const s = settings({ RUNPOD_HOST: `127.0.0.1:${proxy.port}` });
    const connection = await connectSsh({ host: s.hosts[0] as SshHost, settings: s });
    proxy.cutAfterClientBytes(1_000_000);
    await expect(
      syncDirectory({ sftp: await connection.sftp(), localDir: local, remoteDir: remote }),
    ).rejects.toThrow();
    await proxy.cut;
    await connection.closed;
    const after = await readdir(remote);
    for (const name of after) {
      if (name.startsWith('.')) continue; // temporary names and the manifest
      expect((await readFile(join(remote, name))).equals(contents.get(name) as Buffer), name).toBe(true);
    }
    expect(after.filter((n) => !n.startsWith('.')).length).toBeLessThan(6);
    const again = await connect();
    const result = await syncDirectory({ sftp: await again.sftp(), localDir: local, remoteDir: remote });
    expect(result.uploaded.length + result.unchanged).toBe(6);
    expect((await readdir(remote)).sort()).toEqual(['.sync-manifest.json', ...contents.keys()].sort());
    for (const [name, data] of contents) expect((await readFile(join(remote, name))).equals(data)).toBe(true);
    again.close();
    await proxy.close();
  });
});

describe('local forward', () => {
  it('reaches a loopback-only port on the pod', async () => {
    const server = createServer((_req, res) => res.end('from the pod'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const remotePort = (server.address() as { port: number }).port;
    const connection = await connect();
    const forward = await openLocalForward(connection, { remotePort });
    expect(forward.address).toBe(`127.0.0.1:${forward.port}`);
    const body = await (await fetch(`http://${forward.address}/`)).text();
    expect(body).toBe('from the pod');
    await forward.close();
    connection.close();
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('following files', () => {
  it('reconnects after sshd restarts without repeating or losing a line, and stops when done', async () => {
    const log = join(work, 'follow.log');
    const doneFile = join(work, 'follow.done');
    await writeFile(log, 'old 1\nold 2\nold 3\n');
    const seen: string[] = [];
    const reconnects: number[] = [];
    const following = followRemoteFiles({
      connect: () => connect(),
      files: async () => [log],
      startAt: { lastLines: 2 },
      onLine: (_file, line) => seen.push(line),
      done: async (sftp) => (await statRemote(sftp, doneFile)) !== undefined,
      onReconnect: (attempt) => reconnects.push(attempt),
      pollIntervalMs: 50,
    });
    while (seen.length < 2) await new Promise((r) => setTimeout(r, 20));
    const written: string[] = [];
    for (let i = 0; i < 40; i++) {
      const line = `line ${i} ${'x'.repeat(i)}`;
      written.push(line);
      // Half lines: the follower must wait for the newline.
      await appendFile(log, line.slice(0, 3));
      await appendFile(log, line.slice(3) + '\n');
      if (i === 15) await sshd.restart();
      await new Promise((r) => setTimeout(r, 20));
    }
    await writeFile(doneFile, '');
    await following;
    expect(seen).toEqual(['old 2', 'old 3', ...written]);
    expect(reconnects.length).toBeGreaterThanOrEqual(1);
  });
});
