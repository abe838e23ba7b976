import { DEFAULT_POD_VOLUME } from './pod-layout.js';
import { SshError } from './ssh-errors.js';

/** The pod settings the laptop side needs too (the pod runtime reads the same names). */
export interface PodSettings {
  /** `MUSICGEN_VOLUME`: the pod's volume root. */
  readonly volume: string;
  /** `TRITON_GRPC_PORT` on the pod's 127.0.0.1. */
  readonly grpcPort: number;
  /** `TRITON_HTTP_PORT` on the pod's 127.0.0.1. */
  readonly httpPort: number;
  /** `TRITON_METRICS_PORT` on the pod's 127.0.0.1 (Prometheus text). */
  readonly metricsPort: number;
}

function port(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number): number {
  const raw = env[name]?.trim() ?? '';
  if (raw === '') return fallback;
  const value = /^\d{1,5}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 1 && value <= 65535)) {
    throw new SshError(
      'SSH_CONFIG',
      `Cannot use ${name} as it must be a TCP port from 1 to 65535: current value is "${raw}"`,
    );
  }
  return value;
}

/**
 * Reads `MUSICGEN_VOLUME` and the Triton ports from the environment (defaults `/workspace`, 8001,
 * 8000, 8002), as the pod runtime does.
 *
 * @example
 * ```ts
 * resolvePodSettings({ TRITON_GRPC_PORT: '9001' }).grpcPort; // 9001
 * ```
 *
 * @throws {SshError} `SSH_CONFIG` for a relative volume or a bad port.
 */
export function resolvePodSettings(env: Readonly<Record<string, string | undefined>>): PodSettings {
  const volume = env['MUSICGEN_VOLUME']?.trim() || DEFAULT_POD_VOLUME;
  if (!volume.startsWith('/') || volume.includes('\n')) {
    throw new SshError(
      'SSH_CONFIG',
      `Cannot use MUSICGEN_VOLUME as it must be an absolute path on the pod: current value is "${volume}"`,
    );
  }
  return {
    volume: volume.length > 1 ? volume.replace(/\/+$/, '') : volume,
    grpcPort: port(env, 'TRITON_GRPC_PORT', 8001),
    httpPort: port(env, 'TRITON_HTTP_PORT', 8000),
    metricsPort: port(env, 'TRITON_METRICS_PORT', 8002),
  };
}
