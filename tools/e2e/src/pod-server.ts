import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The workspace root. */
export const ROOT = resolve(import.meta.dirname, '../../..');
const POD_SH = join(ROOT, 'infra/pod/pod.sh');

/** The Python environments the CI setup made (infra/triton/scripts/env.sh): the test venv and the one with tritonserver. */
export interface PythonEnvs {
  readonly venv: string;
  readonly tritonVenv: string;
}

/** Where infra/triton/scripts/env.sh puts the Python environments, and whether they are there. */
export async function pythonEnvs(): Promise<PythonEnvs & { readonly present: boolean }> {
  const { stdout } = await run('bash', [
    '-c',
    'source "$1"; printf "%s\\n%s\\n" "$venv" "$tvenv"',
    '_',
    join(ROOT, 'infra/triton/scripts/env.sh'),
  ]);
  const [venv = '', tritonVenv = ''] = stdout.split('\n');
  const present = existsSync(join(venv, 'bin/python')) && existsSync(join(tritonVenv, 'bin/python'));
  return { venv, tritonVenv, present };
}

/** Saves a random-weight MusicGen of `size` (see random_model.py) as a model directory. */
export async function saveRandomModel(envs: PythonEnvs, size: string, directory: string): Promise<void> {
  await run(join(envs.venv, 'bin/python'), ['-m', 'musicgen_serving.random_model', size, directory], {
    cwd: join(ROOT, 'infra/triton/model_repository/musicgen_lm/1'),
  });
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Options of {@link podServer}. */
export interface PodServerOptions {
  readonly envs: PythonEnvs;
  /** The pod's volume: a temporary directory. */
  readonly volume: string;
  /** A local model directory (saved with save_pretrained). */
  readonly model: string;
  /** `musicgen_lm`'s slots. */
  readonly slots: number;
}

/** A CPU tritonserver run by the pod runtime, exactly as on a pod. */
export interface PodServer {
  /** `127.0.0.1:port` of Triton's gRPC endpoint. */
  readonly grpc: string;
  /** `http://127.0.0.1:port/metrics`. */
  readonly metricsUrl: string;
  /** `pod.sh up`: starts the server (or finds it running) and waits until every model is ready. */
  up(): Promise<void>;
  /** `pod.sh stop`. */
  stop(): Promise<void>;
  /** Kills the server at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** `pod.sh status --json`. */
  status(): Promise<{ state: string; pid: number | null }>;
}

const SETTING_PREFIXES = ['MUSICGEN_', 'TRITON_', 'HF_', 'HUGGING_FACE_', 'TRANSFORMERS_'];

/**
 * The pod runtime (`infra/pod/pod.sh`) driven as on a pod, on CPU: a temporary volume, the local
 * model, `KIND_CPU`, free loopback ports, and the Python environments CI already made (so nothing
 * is installed again).
 */
export async function podServer(options: PodServerOptions): Promise<PodServer> {
  const [http, grpc, metrics] = [await freePort(), await freePort(), await freePort()];
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !SETTING_PREFIXES.some((p) => key.startsWith(p))) env[key] = value;
  }
  Object.assign(env, {
    MUSICGEN_VOLUME: options.volume,
    MUSICGEN_MODEL_ID: options.model,
    MUSICGEN_INSTANCE_KIND: 'cpu',
    MUSICGEN_MAX_CONCURRENT: String(options.slots),
    MUSICGEN_PYTHON_ENV: options.envs.venv,
    MUSICGEN_TRITONSERVER: options.envs.tritonVenv,
    TRITON_HTTP_PORT: String(http),
    TRITON_GRPC_PORT: String(grpc),
    TRITON_METRICS_PORT: String(metrics),
  });
  const pod = (...args: string[]) => run('bash', [POD_SH, ...args], { env, maxBuffer: 16 * 1024 * 1024 });
  const status = async () => {
    const { stdout } = await pod('status', '--json').catch((error: { stdout?: string }) => ({
      stdout: error.stdout ?? '{}',
    }));
    return JSON.parse(stdout) as { state: string; pid: number | null };
  };
  return {
    grpc: `127.0.0.1:${grpc}`,
    metricsUrl: `http://127.0.0.1:${metrics}/metrics`,
    async up() {
      await pod('up');
    },
    async stop() {
      await pod('stop');
    },
    async kill() {
      const { pid } = await status();
      const command = pid ? await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '') : '';
      if (!pid || !command.includes('tritonserver')) {
        throw new Error(`Cannot kill the pod's tritonserver as status names no such process: pid ${pid}`);
      }
      // the server runs in its own session: kill its whole process group (server and model stubs)
      process.kill(-pid, 'SIGKILL');
    },
    status,
  };
}
