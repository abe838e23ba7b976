import { describe, expect, it } from 'vitest';
import { formatDuration } from './format-progress.js';
import { createLogRenderer } from './log-renderer.js';
import { ProgressModel } from './progress-model.js';
import { createTtyRenderer, renderProgressBlock } from './tty-renderer.js';

function model() {
  let t = 0;
  const m = new ProgressModel({ jobsTotal: 4, audioSecondsTotal: 60, now: () => t });
  return { m, advance: (ms: number) => (t += ms) };
}

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [42.4, '42s'],
    [185, '3m05s'],
    [3720, '1h02m'],
  ])('%f s is %s', (s, text) => expect(formatDuration(s)).toBe(text));
});

describe('renderProgressBlock', () => {
  it('shows the bar, the status and a line per active job, cut to the terminal width', () => {
    const { m, advance } = model();
    m.jobStarted({ line: 7, key: 'long_0a1b2c3d.wav', frames: 2250, windows: 2 });
    m.jobStarted({ line: 3, key: 'calm_1a2b3c4d.wav', frames: 500, windows: 1 });
    m.phase(7, 'generating', 1);
    advance(4000);
    m.framesDone(7, 1500);
    expect(renderProgressBlock(m.snapshot(), 200, 8)).toEqual([
      // codes generated for half the audio: a quarter of the work (decoding and storing are the other half)
      '[######------------------] 0/4 jobs, 30.0/60.0 s audio, 375 frames/s, ETA 12s',
      '  line 7 long_0a1b2c3d.wav: generating window 2/2, 1500/2250 frames',
      '  line 3 calm_1a2b3c4d.wav: waiting, 0/500 frames',
    ]);
    expect(renderProgressBlock(m.snapshot(), 30, 1)).toEqual([
      '[######------------------] 0…',
      '  line 7 long_0a1b2c3d.wav: …',
      '  ... and 1 more',
    ]);
  });
});

describe('createTtyRenderer', () => {
  it('redraws in place and prints failures above the block', () => {
    const { m } = model();
    const out: string[] = [];
    const renderer = createTtyRenderer(
      m,
      { write: (t: string) => out.push(t), columns: 120 },
      { intervalMs: 60_000 },
    );
    m.jobStarted({ line: 1, key: 'a.wav', frames: 50, windows: 1 });
    m.jobFinished({ line: 1, key: 'a.wav', frames: 50 }, 'failed', 'boom');
    renderer.stop();
    expect(out).toEqual([
      '[------------------------] 0/4 jobs, 0.0/60.0 s audio, 0 frames/s, ETA --\n',
      '\x1b[1F\x1b[0J',
      'line 1 a.wav: failed: boom\n',
      '[------------------------] 1/4 jobs, 0.0/59.0 s audio, 0 frames/s, ETA --\n',
      '\x1b[1F\x1b[0J',
      '[------------------------] 1/4 jobs, 0.0/59.0 s audio, 0 frames/s, ETA --\n',
    ]);
  });
});

describe('createLogRenderer', () => {
  it('writes one timestamped line per event', () => {
    const { m } = model();
    const out: string[] = [];
    const renderer = createLogRenderer(
      m,
      { write: (t: string) => out.push(t) },
      { clock: () => new Date(0) },
    );
    m.jobStarted({ line: 2, key: 'b.wav', frames: 2250, windows: 2 });
    m.retrying(2, 1, 500, 'stream closed');
    m.jobFinished({ line: 2, key: 'b.wav', frames: 2250 }, 'generated', '45.0 s audio');
    renderer.stop();
    m.note('after stop');
    expect(out).toEqual([
      '1970-01-01T00:00:00.000Z line 2 b.wav: started, 2250 frames in 2 windows\n',
      '1970-01-01T00:00:00.000Z line 2 b.wav: attempt 1 failed (stream closed); retrying in 0.5 s\n',
      '1970-01-01T00:00:00.000Z line 2 b.wav: generated: 45.0 s audio\n',
    ]);
  });
});
