import { request } from 'node:http';
import { summariseMetrics } from '../metrics/metrics-summary.js';
import { parsePrometheusText, type PrometheusSample } from '../metrics/prometheus-text.js';

/** The page's GPU panel: what Triton's metrics say now, or why they cannot be read. */
export type GpuPanel =
  | {
      readonly reachable: true;
      /** Mean GPU utilisation over the GPUs, 0..1 (`nv_gpu_utilization`); null when Triton reports no GPU. */
      readonly utilisation: number | null;
      /** Memory used and in all over the GPUs, bytes (`nv_gpu_memory_used_bytes`, `_total_bytes`). */
      readonly memoryUsedBytes: number | null;
      readonly memoryTotalBytes: number | null;
      /** `musicgen_lm`'s slots in use, its slots, and requests waiting for one. */
      readonly slotsInUse: number | null;
      readonly slots: number | null;
      readonly waiting: number | null;
      /** Seconds of audio generated per second since the previous sample. */
      readonly audioSecondsPerSecond: number | null;
    }
  | { readonly reachable: false; readonly error: string };

/** Where Prometheus text comes from (an HTTP URL, or the pod's port through SSH). */
export type MetricsSource = () => Promise<string>;

/** Gives up on a metrics request after this long. */
const METRICS_TIMEOUT_MS = 3000;

/**
 * GETs Prometheus text from a URL (Triton's metrics, e.g. `http://127.0.0.1:8002/metrics` on the pod
 * through a tunnel, or a local Triton).
 *
 * @example
 * ```ts
 * const text = await metricsFromUrl('http://127.0.0.1:8002/metrics')();
 * ```
 */
export function metricsFromUrl(url: string): MetricsSource {
  return () =>
    new Promise((resolve, reject) => {
      const req = request(url, { timeout: METRICS_TIMEOUT_MS }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(body)
            : reject(new Error(`Cannot read Triton's metrics as ${url} answered ${res.statusCode}`)),
        );
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${METRICS_TIMEOUT_MS} ms`)));
      req.on('error', (error) =>
        reject(new Error(`Cannot read Triton's metrics from ${url}: ${error.message}`)),
      );
      req.end();
    });
}

function sum(samples: readonly PrometheusSample[], name: string): number | null {
  const found = samples.filter((s) => s.name === name);
  return found.length === 0 ? null : found.reduce((total, s) => total + s.value, 0);
}

/**
 * Samples a {@link MetricsSource} for the GPU panel; the audio rate is computed between two samples.
 *
 * @example
 * ```ts
 * const watch = new GpuWatch(metricsFromUrl(url));
 * const panel = await watch.sample(); // { reachable: true, utilisation: 0.97, ... }
 * ```
 */
export class GpuWatch {
  readonly #source: MetricsSource;
  readonly #now: () => number;
  #previous: { at: number; samples: PrometheusSample[] } | undefined;

  constructor(source: MetricsSource, now: () => number = () => performance.now()) {
    this.#source = source;
    this.#now = now;
  }

  async sample(): Promise<GpuPanel> {
    let samples: PrometheusSample[];
    try {
      samples = parsePrometheusText(await this.#source());
    } catch (error) {
      this.#previous = undefined;
      return { reachable: false, error: (error as Error).message };
    }
    const at = this.#now();
    const previous = this.#previous;
    this.#previous = { at, samples };
    const gpus = samples.filter((s) => s.name === 'nv_gpu_utilization');
    const seconds = previous ? (at - previous.at) / 1000 : 0;
    const rate =
      previous && seconds > 0
        ? summariseMetrics(previous.samples, samples, seconds).audioSecondsPerSecond
        : undefined;
    return {
      reachable: true,
      utilisation: gpus.length === 0 ? null : gpus.reduce((t, s) => t + s.value, 0) / gpus.length,
      memoryUsedBytes: sum(samples, 'nv_gpu_memory_used_bytes'),
      memoryTotalBytes: sum(samples, 'nv_gpu_memory_total_bytes'),
      slotsInUse: sum(samples, 'musicgen_lm_slots_in_use'),
      slots: sum(samples, 'musicgen_lm_slots'),
      waiting: sum(samples, 'musicgen_lm_waiting_requests'),
      audioSecondsPerSecond: rate === undefined ? null : Math.round(rate * 100) / 100,
    };
  }
}
