import { runRemoteChecked, shellQuote, type SshConnection } from '@musicgen/ssh';

/** CPU, memory and disk of the pod at one moment. Sizes in bytes. */
export interface SystemSnapshot {
  readonly cores: number;
  /** Load averages over 1, 5 and 15 minutes. */
  readonly load: readonly [number, number, number];
  readonly memoryTotal: number;
  readonly memoryAvailable: number;
  /** The filesystem holding the volume. */
  readonly disk: {
    readonly path: string;
    readonly size: number;
    readonly used: number;
    readonly available: number;
  };
  readonly uptimeSeconds: number;
}

const SEPARATOR = '----';

/** The one remote command: reads /proc and df, nothing else (no secret involved). */
export function systemCommand(volume: string): string {
  return [
    'cat /proc/loadavg',
    'nproc',
    "grep -E '^(MemTotal|MemAvailable):' /proc/meminfo",
    `df -Pk ${shellQuote(volume)} | tail -1`,
    'cat /proc/uptime',
  ].join(` && echo ${SEPARATOR} && `);
}

/**
 * Parses the output of {@link systemCommand}.
 *
 * @example
 * ```ts
 * parseSystemSnapshot(stdout, '/workspace').cores; // 16
 * ```
 */
export function parseSystemSnapshot(text: string, volume: string): SystemSnapshot {
  const parts = text.split(`${SEPARATOR}\n`).map((p) => p.trim());
  if (parts.length !== 5)
    throw new Error(`Cannot read the pod's system figures: unexpected output "${text.slice(0, 200)}"`);
  const [loadavg, nproc, meminfo, df, uptime] = parts as [string, string, string, string, string];
  const load = loadavg.split(/\s+/).slice(0, 3).map(Number) as [number, number, number];
  const kb = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(meminfo)?.[1] ?? NaN) * 1024;
  const fields = df.split(/\s+/);
  return {
    cores: Number(nproc),
    load,
    memoryTotal: kb('MemTotal'),
    memoryAvailable: kb('MemAvailable'),
    disk: {
      path: volume,
      size: Number(fields[1]) * 1024,
      used: Number(fields[2]) * 1024,
      available: Number(fields[3]) * 1024,
    },
    uptimeSeconds: Number(uptime.split(/\s+/)[0]),
  };
}

/** Reads the pod's system figures over SSH. */
export async function readSystemSnapshot(connection: SshConnection, volume: string): Promise<SystemSnapshot> {
  const { stdout } = await runRemoteChecked(connection, systemCommand(volume), 'read the system figures');
  return parseSystemSnapshot(stdout, volume);
}

const GIB = 1024 ** 3;

/**
 * The snapshot as a few plain lines.
 *
 * @example
 * ```ts
 * formatSystemSnapshot(snapshot, 'root@203.0.113.7:22044');
 * // 'pod     root@203.0.113.7:22044, up 3 h 12 min\ncpu     16 cores, load 2.10 1.80 1.50 (1, 5, 15 min)\n...'
 * ```
 */
export function formatSystemSnapshot(s: SystemSnapshot, where: string): string {
  const hours = Math.floor(s.uptimeSeconds / 3600);
  const minutes = Math.floor((s.uptimeSeconds % 3600) / 60);
  const used = s.memoryTotal - s.memoryAvailable;
  const percent = (part: number, whole: number) => (whole > 0 ? ((100 * part) / whole).toFixed(1) : '0.0');
  return (
    [
      `pod     ${where}, up ${hours} h ${minutes} min`,
      `cpu     ${s.cores} cores, load ${s.load.map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min)`,
      `memory  ${(used / GIB).toFixed(1)} GiB used of ${(s.memoryTotal / GIB).toFixed(1)} GiB (${percent(used, s.memoryTotal)}%)`,
      `disk    ${s.disk.path}: ${(s.disk.used / GIB).toFixed(1)} GiB used of ${(s.disk.size / GIB).toFixed(1)} GiB, ${(s.disk.available / GIB).toFixed(1)} GiB free (${percent(s.disk.used, s.disk.size)}%)`,
    ].join('\n') + '\n'
  );
}
