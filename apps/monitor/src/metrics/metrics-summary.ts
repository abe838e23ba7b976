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
  /** The models' own metrics (`musicgen_lm_*`, `encodec_decode_*`), latest value, summed over labels. */
  readonly own: Readonly<Record<string, number>>;
  /** Seconds of audio generated per second over the interval (`musicgen_lm_frames_generated_total`). */
  readonly audioSecondsPerSecond: number | undefined;
  /** Mean decode step time over the interval in ms (`musicgen_lm_decode_step_seconds_total` / `_steps_total`). */
  readonly stepMs: number | undefined;
}

/** The models' own metric names start with these (infra/triton's `musicgen_serving/metrics.py`). */
export const OWN_METRIC_PREFIXES = ['musicgen_lm_', 'encodec_decode_'] as const;
const FRAMES = 'musicgen_lm_frames_generated_total';
const STEPS = 'musicgen_lm_decode_steps_total';
const STEP_SECONDS = 'musicgen_lm_decode_step_seconds_total';

function total(samples: readonly PrometheusSample[], name: string, model?: string): number {
  return samples
    .filter((s) => s.name === name && (model === undefined || s.labels['model'] === model))
    .reduce((sum, s) => sum + s.value, 0);
}

/**
 * Summarises two scrapes of Triton's metrics taken `intervalSeconds` apart: per model (Triton's
 * `nv_inference_*` families) requests, failures, request rate, mean queue and request times; the
 * models' own metrics (`musicgen_lm_*`, `encodec_decode_*`); audio seconds per second and the mean
 * decode step time. Triton's queue time stays near 0 for
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
  for (const s of after.filter((x) => OWN_METRIC_PREFIXES.some((p) => x.name.startsWith(p)))) {
    own[s.name] = (own[s.name] ?? 0) + s.value;
  }
  const has = (name: string) => after.some((x) => x.name === name);
  const change = (name: string) => total(after, name) - total(before, name);
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
    audioSecondsPerSecond: has(FRAMES) ? change(FRAMES) / FRAME_RATE_HZ / intervalSeconds : undefined,
    stepMs: has(STEPS) && change(STEPS) > 0 ? (change(STEP_SECONDS) / change(STEPS)) * 1000 : undefined,
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
  const own = summary.own;
  if (own['musicgen_lm_slots'] !== undefined) {
    lines.push(
      `musicgen_lm slots: ${own['musicgen_lm_slots_in_use'] ?? 0} of ${own['musicgen_lm_slots']} in use, ` +
        `${own['musicgen_lm_waiting_requests'] ?? 0} requests waiting for one`,
    );
  }
  if (summary.audioSecondsPerSecond !== undefined) {
    const step = summary.stepMs === undefined ? '' : `, ${summary.stepMs.toFixed(2)} ms per decode step`;
    lines.push(`audio: ${summary.audioSecondsPerSecond.toFixed(2)} s of audio per second${step}`);
  }
  if (lines.length === 0) lines.push('no inference metrics yet (is Triton running with metrics on?)');
  return lines.join('\n') + '\n';
}
