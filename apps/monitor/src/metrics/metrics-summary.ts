import { FRAME_RATE_HZ } from '@musicgen/contract';
import type { PrometheusSample } from './prometheus-text.js';

/** One model's Triton figures over the sampling interval. */
export interface ModelMetrics {
  readonly model: string;
  /** Totals since Triton started. */
  readonly success: number;
  readonly failure: number;
  /** Over the interval. */
  readonly requestsPerSecond: number;
  /** Mean queue time and mean request time of the requests completed in the interval (ms); undefined with none. */
  readonly queueMs: number | undefined;
  readonly requestMs: number | undefined;
}

/** The summary `monitor:metrics` prints. */
export interface MetricsSummary {
  readonly intervalSeconds: number;
  readonly models: readonly ModelMetrics[];
  /** The model's own metrics (names starting with `musicgen_`), latest value, summed over labels. */
  readonly own: Readonly<Record<string, number>>;
  /** Audio seconds generated per second of wall time, from a `musicgen_*frames*_total` counter, when there is one. */
  readonly audioSecondsPerSecond: number | undefined;
}

function total(samples: readonly PrometheusSample[], name: string, model?: string): number {
  return samples
    .filter((s) => s.name === name && (model === undefined || s.labels['model'] === model))
    .reduce((sum, s) => sum + s.value, 0);
}

/**
 * Summarises two scrapes of Triton's metrics taken `intervalSeconds` apart: per model (Triton's
 * `nv_inference_*` families) requests, failures, request rate, mean queue and request times; the
 * model's own `musicgen_*` metrics; and audio seconds per second. Triton's queue time stays near 0 for
 * `musicgen_lm`, which queues requests itself (see its own waiting-requests figure).
 *
 * @example
 * ```ts
 * summariseMetrics(parsePrometheusText(first), parsePrometheusText(second), 5).models[0].requestsPerSecond;
 * ```
 */
export function summariseMetrics(
  before: readonly PrometheusSample[],
  after: readonly PrometheusSample[],
  intervalSeconds: number,
): MetricsSummary {
  const models = [
    ...new Set(after.filter((s) => s.name.startsWith('nv_inference_')).map((s) => s.labels['model'])),
  ]
    .filter((m): m is string => m !== undefined)
    .sort();
  const delta = (name: string, model: string) => total(after, name, model) - total(before, name, model);
  const per = (name: string, model: string, count: number) =>
    count > 0 ? delta(name, model) / count / 1000 : undefined;
  const own: Record<string, number> = {};
  for (const s of after.filter((x) => x.name.startsWith('musicgen_')))
    own[s.name] = (own[s.name] ?? 0) + s.value;
  const framesCounter = Object.keys(own).find((n) => n.includes('frames') && n.endsWith('_total'));
  return {
    intervalSeconds,
    models: models.map((model) => {
      const completed = delta('nv_inference_request_success', model);
      return {
        model,
        success: total(after, 'nv_inference_request_success', model),
        failure: total(after, 'nv_inference_request_failure', model),
        requestsPerSecond: completed / intervalSeconds,
        queueMs: per('nv_inference_queue_duration_us', model, completed),
        requestMs: per('nv_inference_request_duration_us', model, completed),
      };
    }),
    own,
    audioSecondsPerSecond:
      framesCounter === undefined
        ? undefined
        : (total(after, framesCounter) - total(before, framesCounter)) / FRAME_RATE_HZ / intervalSeconds,
  };
}

/** The summary as plain lines. */
export function formatMetricsSummary(summary: MetricsSummary): string {
  const ms = (v: number | undefined) => (v === undefined ? 'n/a' : `${v.toFixed(1)} ms`);
  const lines = summary.models.map(
    (m) =>
      `${m.model}: ${m.success} ok, ${m.failure} failed, ${m.requestsPerSecond.toFixed(2)} req/s over ${summary.intervalSeconds} s, ` +
      `queue ${ms(m.queueMs)}, request ${ms(m.requestMs)}`,
  );
  for (const [name, value] of Object.entries(summary.own).sort()) lines.push(`${name} ${value}`);
  if (summary.audioSecondsPerSecond !== undefined) {
    lines.push(`audio: ${summary.audioSecondsPerSecond.toFixed(2)} s of audio per second`);
  }
  if (lines.length === 0) lines.push('no inference metrics yet (is Triton running with metrics on?)');
  return lines.join('\n') + '\n';
}
