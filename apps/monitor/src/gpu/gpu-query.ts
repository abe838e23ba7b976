import { runRemote, type SshConnection } from '@musicgen/ssh';

/** The fields asked of `nvidia-smi --query-gpu`, in order. */
export const GPU_FIELDS = [
  'index',
  'name',
  'utilization.gpu',
  'utilization.memory',
  'memory.used',
  'memory.total',
  'temperature.gpu',
  'power.draw',
  'power.limit',
  'clocks.sm',
  'clocks.mem',
] as const;

/** The remote command (csv without header and units: one line per GPU). */
export const GPU_QUERY_COMMAND = `nvidia-smi --query-gpu=${GPU_FIELDS.join(',')} --format=csv,noheader,nounits`;

/** One GPU's figures; a figure the GPU does not report (`[N/A]`, `[Not Supported]`) is undefined. */
export interface GpuSample {
  readonly index: number;
  readonly name: string;
  /** Percent of time a kernel ran, and percent of time memory was read or written. */
  readonly utilizationPercent: number | undefined;
  readonly memoryUtilizationPercent: number | undefined;
  readonly memoryUsedMiB: number | undefined;
  readonly memoryTotalMiB: number | undefined;
  readonly temperatureC: number | undefined;
  readonly powerDrawW: number | undefined;
  readonly powerLimitW: number | undefined;
  readonly smClockMHz: number | undefined;
  readonly memoryClockMHz: number | undefined;
}

function figure(text: string | undefined): number | undefined {
  const value = text?.trim() ?? '';
  return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : undefined;
}

/**
 * Parses `nvidia-smi --query-gpu=... --format=csv,noheader,nounits` output ({@link GPU_FIELDS}).
 *
 * @example
 * ```ts
 * parseGpuQuery('0, NVIDIA L40S, 87, 45, 40123, 46068, 61, 250.31, 350.00, 2520, 9001\n')[0].temperatureC; // 61
 * ```
 */
export function parseGpuQuery(text: string): GpuSample[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((line) => {
      const f = line.split(',').map((p) => p.trim());
      if (f.length !== GPU_FIELDS.length) {
        throw new Error(
          `Cannot read nvidia-smi's output as a line has ${f.length} fields, not ${GPU_FIELDS.length}: "${line}"`,
        );
      }
      return {
        index: Number(f[0]),
        name: f[1] as string,
        utilizationPercent: figure(f[2]),
        memoryUtilizationPercent: figure(f[3]),
        memoryUsedMiB: figure(f[4]),
        memoryTotalMiB: figure(f[5]),
        temperatureC: figure(f[6]),
        powerDrawW: figure(f[7]),
        powerLimitW: figure(f[8]),
        smClockMHz: figure(f[9]),
        memoryClockMHz: figure(f[10]),
      };
    });
}

function show(value: number | undefined, digits = 0, unit = ''): string {
  return value === undefined ? 'n/a' : value.toFixed(digits) + unit;
}

/**
 * One compact line per GPU.
 *
 * @example
 * ```ts
 * formatGpuSample(sample);
 * // 'gpu 0 NVIDIA L40S: util 87% (memory 45%), 40123/46068 MiB, 61 C, 250.3/350.0 W, clocks 2520/9001 MHz'
 * ```
 */
export function formatGpuSample(g: GpuSample): string {
  return (
    `gpu ${g.index} ${g.name}: util ${show(g.utilizationPercent, 0, '%')} (memory ${show(g.memoryUtilizationPercent, 0, '%')}), ` +
    `${show(g.memoryUsedMiB)}/${show(g.memoryTotalMiB)} MiB, ${show(g.temperatureC, 0, ' C')}, ` +
    `${show(g.powerDrawW, 1)}/${show(g.powerLimitW, 1)} W, clocks ${show(g.smClockMHz)}/${show(g.memoryClockMHz)} MHz`
  );
}

/**
 * Runs the query on the pod.
 *
 * @throws {Error} with one line when nvidia-smi is missing or fails on the pod.
 */
export async function readGpus(connection: SshConnection): Promise<GpuSample[]> {
  const result = await runRemote(connection, GPU_QUERY_COMMAND);
  if (result.code === 127) {
    throw new Error(
      `Cannot query the GPUs of ${connection.where} as nvidia-smi is not on its PATH (no NVIDIA driver: is it a GPU pod?)`,
    );
  }
  if (result.code !== 0) {
    const reason =
      (result.stderr.trim() || result.stdout.trim()).split('\n')[0] ?? `exit status ${result.code}`;
    throw new Error(`Cannot query the GPUs of ${connection.where} as nvidia-smi failed: ${reason}`);
  }
  return parseGpuQuery(result.stdout);
}
