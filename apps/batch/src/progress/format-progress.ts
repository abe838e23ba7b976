import type { ActiveJob, ProgressSnapshot } from './progress-model.js';

/**
 * A duration for people: `42s`, `3m05s`, `1h02m`.
 *
 * @example
 * ```ts
 * formatDuration(185); // '3m05s'
 * ```
 */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * The one-line overall status shared by both renderers.
 *
 * @example
 * ```ts
 * formatStatus(snapshot); // '12/40 jobs, 312.5/1200.0 s audio, 850 frames/s, ETA 1m02s, slots 38/40 + 70/64'
 * ```
 */
export function formatStatus(s: ProgressSnapshot): string {
  const eta = s.etaSeconds === undefined ? 'ETA --' : `ETA ${formatDuration(s.etaSeconds)}`;
  const slots =
    s.slots.length === 0 ? '' : `, slots ${s.slots.map((u) => `${u.inUse}/${u.total}`).join(' + ')}`;
  if (s.interrupted > 0) {
    return (
      `${s.jobsDone}/${s.jobsTotal} jobs, ${s.audioSecondsDone.toFixed(1)}/${s.audioSecondsTotal.toFixed(1)} s audio, ` +
      `stopping: ${s.interrupted} interrupted (the next run makes them)`
    );
  }
  const store =
    s.store === undefined
      ? ''
      : `; store failing for ${formatDuration(s.store.seconds)} (${s.store.error}): generation paused, ` +
        `${s.store.spooled} WAV${s.store.spooled === 1 ? '' : 's'} (${formatMegabytes(s.store.spooledBytes)}) in the spool`;
  return (
    `${s.jobsDone}/${s.jobsTotal} jobs, ${s.audioSecondsDone.toFixed(1)}/${s.audioSecondsTotal.toFixed(1)} s audio, ` +
    `${Math.round(s.framesPerSecond)} frames/s, ${eta}${slots}${store}`
  );
}

/** Bytes as megabytes with one decimal: `1.9 MB`. */
export function formatMegabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** One active job as a line: `line 3 calm_1a2b3c4d.wav: generating window 2/3, 1234/2250 frames`. */
export function formatActiveJob(job: ActiveJob): string {
  const windows = job.windows > 1 ? ` window ${job.window + 1}/${job.windows}` : '';
  const take = job.take === undefined ? '' : ` take ${job.take}`;
  return `line ${job.line} ${job.key}: ${job.phase}${take}${windows}, ${job.framesDone}/${job.frames} frames`;
}

/** A text progress bar of `width` cells for a fraction 0..1. */
export function formatBar(fraction: number, width: number): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return '#'.repeat(filled) + '-'.repeat(width - filled);
}
