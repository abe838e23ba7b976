import { FRAME_RATE_HZ } from '@musicgen/contract';

const MAX_WHOLE_DIGITS = 9;
const SECONDS = /^(\d+)(?:\.(\d+))?s?$/;
const MINUTES_SECONDS = /^(\d+):(\d\d)(?:\.(\d+))?$/;
const MAX_DECIMALS = 6;
const MICROS_PER_SECOND = 1_000_000;
const MICROS_PER_FRAME = MICROS_PER_SECOND / FRAME_RATE_HZ;

/** A parsed DURATION field: the seconds as written and the whole frames generated. */
export type DurationCheck =
  { readonly seconds: number; readonly frames: number } | { readonly problem: string };

/**
 * Parses a DURATION field: seconds (`12`, `12.5`, `12s`) or minutes and seconds (`1:30`, `0:45.5`), at
 * most 6 decimals, greater than 0 and at most `maxSeconds`. Frames are rounded to the nearest whole
 * frame at 50 frames/s, halves up (`0.01` gives 1 frame, `0.03` gives 2); below 0.01 s there is no frame.
 * The arithmetic is exact (integer microseconds), so `12`, `12.0`, `12s` and `0:12` all give 600 frames.
 */
export function parseDuration(text: string, maxSeconds: number): DurationCheck {
  if (text === '') return { problem: 'is missing' };
  const whole = wholeSeconds(text);
  if (whole !== undefined) {
    if (whole === 0) return { problem: 'must be greater than 0' };
    if (whole > maxSeconds) return { problem: `must be at most ${maxSeconds} s` };
    return { seconds: whole, frames: whole * FRAME_RATE_HZ };
  }
  let secondsText: string;
  let fraction: string;
  let minutes = 0;
  const plain = SECONDS.exec(text);
  if (plain !== null) {
    secondsText = plain[1] ?? '';
    fraction = plain[2] ?? '';
  } else {
    const clock = MINUTES_SECONDS.exec(text);
    if (clock === null) return { problem: 'must be seconds (12, 12.5, 12s) or m:ss (1:30, 0:45.5)' };
    minutes = Number(clock[1]);
    secondsText = clock[2] ?? '';
    fraction = clock[3] ?? '';
    if (Number(secondsText) >= 60) return { problem: 'must have fewer than 60 seconds after ":"' };
  }
  if (fraction.length > MAX_DECIMALS) return { problem: `must have at most ${MAX_DECIMALS} decimal places` };
  const micros =
    (minutes * 60 + Number(secondsText)) * MICROS_PER_SECOND + Number(fraction.padEnd(MAX_DECIMALS, '0'));
  const seconds = micros / MICROS_PER_SECOND;
  if (micros === 0) return { problem: 'must be greater than 0' };
  if (seconds > maxSeconds) return { problem: `must be at most ${maxSeconds} s` };
  const halfUp = micros + MICROS_PER_FRAME / 2;
  const frames = (halfUp - (halfUp % MICROS_PER_FRAME)) / MICROS_PER_FRAME;
  if (frames === 0) return { problem: 'rounds to 0 frames (the shortest duration is 0.01 s)' };
  return { seconds, frames };
}

/** The value of 1 to 9 ASCII digits (the common case, read without a regex), else undefined. */
function wholeSeconds(text: string): number | undefined {
  if (text.length > MAX_WHOLE_DIGITS) return undefined;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  return value;
}
