import { InvalidArgumentError } from '@musicgen/cli';

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * The time `--since` names: a duration back from `now` (`30s`, `10m`, `2h`, `1d`) or an ISO 8601 time
 * (a time without zone is UTC, as the pod's logs are).
 *
 * @example
 * ```ts
 * parseSince('10m', new Date('2026-12-01T10:00:00Z')); // 2026-12-01T09:50:00.000Z
 * ```
 *
 * @throws {InvalidArgumentError} for anything else, saying what `--since` takes.
 */
export function parseSince(text: string, now: Date): Date {
  const value = text.trim();
  const duration = DURATION.exec(value);
  if (duration)
    return new Date(now.getTime() - Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS]);
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(value)) {
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(value)
      ? value
      : `${value.replace(' ', 'T')}${value.length === 10 ? 'T00:00:00' : ''}Z`;
    const time = new Date(zoned.replace(' ', 'T'));
    if (!Number.isNaN(time.getTime())) return time;
  }
  throw new InvalidArgumentError('it must be a duration (30s, 10m, 2h, 1d) or a time (2026-12-01T09:30:00Z)');
}

const ISO_START = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)/;
// Triton's default (glog) prefix: severity, month, day, time; no year, in the pod's zone (UTC on RunPod).
const GLOG_START = /^[IWEF](\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{1,6})/;

/**
 * The time at the start of a log line, when it has one: ISO 8601 (the batch's lines on the pod, Triton
 * with `--log-format ISO8601`) or Triton's default `I1201 09:30:00.123456` (year taken from `now`,
 * the previous year when that would be in the future; UTC).
 *
 * @example
 * ```ts
 * lineTime('2026-12-01T09:30:00Z run songs: started', new Date()); // 2026-12-01T09:30:00.000Z
 * lineTime('I1201 09:30:00.123456 1 server.cc:123] ready', new Date('2026-12-02T00:00:00Z')); // 2026-12-01T09:30:00.123Z
 * ```
 */
export function lineTime(line: string, now: Date): Date | undefined {
  const iso = ISO_START.exec(line);
  if (iso) {
    const text = iso[1] as string;
    const time = new Date(/(Z|[+-]\d{2}:?\d{2})$/.test(text) ? text : text + 'Z');
    return Number.isNaN(time.getTime()) ? undefined : time;
  }
  const glog = GLOG_START.exec(line);
  if (glog) {
    const [month, day, hh, mm, ss] = glog.slice(1, 6).map(Number) as [number, number, number, number, number];
    const ms = Math.floor(Number(`0.${glog[6]}`) * 1000);
    const at = (year: number) => new Date(Date.UTC(year, month - 1, day, hh, mm, ss, ms));
    let time = at(now.getUTCFullYear());
    if (time.getTime() > now.getTime() + 86_400_000) time = at(now.getUTCFullYear() - 1);
    return time;
  }
  return undefined;
}
