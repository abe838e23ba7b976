import { describe, expect, it } from 'vitest';
import { formatActiveJob, formatStatus } from './format-progress.js';
import { ProgressModel, type ActiveJob, type ProgressEvent } from './progress-model.js';

function setup() {
  let t = 0;
  const model = new ProgressModel({ jobsTotal: 3, audioSecondsTotal: 50, now: () => t });
  const events: ProgressEvent[] = [];
  model.subscribe((e) => events.push(e));
  return { model, events, advance: (ms: number) => (t += ms) };
}

describe('ProgressModel', () => {
  it('tracks jobs, audio seconds, speed and ETA', () => {
    const { model, advance } = setup();
    model.jobStarted({ line: 2, key: 'a_00000000.wav', frames: 1000, windows: 1 });
    model.phase(2, 'generating', 0);
    advance(2000);
    model.framesDone(2, 500);
    expect(model.snapshot()).toEqual({
      jobsTotal: 3,
      jobsDone: 0,
      generated: 0,
      skipped: 0,
      failed: 0,
      interrupted: 0,
      fractionDone: 0.1,
      audioSecondsTotal: 50,
      audioSecondsDone: 10,
      framesPerSecond: 250,
      etaSeconds: 18,
      elapsedSeconds: 2,
      active: [
        {
          line: 2,
          key: 'a_00000000.wav',
          phase: 'generating',
          window: 0,
          windows: 1,
          framesDone: 500,
          frames: 1000,
        },
      ],
      slots: [],
    });
  });

  it('counts a job whose codes are generated as half done until it is stored', () => {
    const { model, advance } = setup();
    model.jobStarted({ line: 1, key: 'a_00000000.wav', frames: 2500, windows: 2 });
    advance(1000);
    model.framesDone(1, 2500);
    const generatedOnly = model.snapshot();
    model.jobFinished({ line: 1, key: 'a_00000000.wav', frames: 2500 }, 'generated');
    const stored = model.snapshot();
    expect([
      generatedOnly.fractionDone,
      generatedOnly.jobsDone,
      stored.fractionDone,
      stored.jobsDone,
    ]).toEqual([0.5, 0, 1, 1]);
  });

  it('adds a re-rolled take to the work and counts its frames from 0, with the take in the job line', () => {
    const { model, advance } = setup();
    model.jobStarted({ line: 1, key: 'a_00000000.wav', frames: 2500, windows: 2 });
    advance(1000);
    model.framesDone(1, 2500);
    model.rerolling(1);
    const rerolled = model.snapshot();
    model.framesDone(1, 1250);
    const halfway = model.snapshot();
    model.framesDone(1, 2500);
    model.jobFinished({ line: 1, key: 'a_00000000.wav', frames: 2500 }, 'generated');
    const stored = model.snapshot();
    expect([rerolled.audioSecondsTotal, rerolled.fractionDone, rerolled.active[0]]).toEqual([
      100,
      0.25,
      {
        line: 1,
        key: 'a_00000000.wav',
        phase: 'waiting',
        window: 0,
        windows: 2,
        framesDone: 0,
        frames: 2500,
        take: 2,
      },
    ]);
    expect(formatActiveJob(halfway.active[0] as ActiveJob)).toBe(
      'line 1 a_00000000.wav: waiting take 2 window 1/2, 1250/2500 frames',
    );
    expect([halfway.audioSecondsDone, halfway.fractionDone, stored.fractionDone, stored.jobsDone]).toEqual([
      75, 0.375, 1, 1,
    ]);
  });

  it('keeps interrupted jobs out of the done count and the totals, and says it is stopping', () => {
    const { model } = setup();
    model.jobStarted({ line: 1, key: 'a_00000000.wav', frames: 1000, windows: 1 });
    model.framesDone(1, 100);
    model.jobFinished({ line: 1, key: 'a_00000000.wav', frames: 1000 }, 'interrupted', 'interrupted');
    const s = model.snapshot();
    expect([s.jobsDone, s.interrupted, s.audioSecondsTotal, s.etaSeconds]).toEqual([0, 1, 50, undefined]);
    expect(formatStatus(s)).toBe(
      '0/3 jobs, 2.0/50.0 s audio, stopping: 1 interrupted (the next run makes them)',
    );
  });

  it('shows a store outage in the status line while it lasts', () => {
    const { model } = setup();
    model.storeState({
      since: Date.now() - 42_000,
      error: 'Cannot put s3://b/a.wav: connection refused',
      spooled: 3,
      spooledBytes: 1_921_000,
    });
    const s = model.snapshot();
    expect(s.store).toEqual({
      seconds: expect.closeTo(42, 0),
      error: 'Cannot put s3://b/a.wav: connection refused',
      spooled: 3,
      spooledBytes: 1_921_000,
    });
    expect(formatStatus(s)).toBe(
      '0/3 jobs, 0.0/50.0 s audio, 0 frames/s, ETA --; store failing for 42s (Cannot put s3://b/a.wav: connection refused): generation paused, 3 WAVs (1.9 MB) in the spool',
    );
    model.storeState(undefined);
    expect(model.snapshot().store).toBeUndefined();
  });

  it("reads the endpoints' slot usage at every snapshot", () => {
    let inUse = 3;
    const model = new ProgressModel({
      jobsTotal: 1,
      audioSecondsTotal: 10,
      now: () => 0,
      slots: () => [{ address: 'a:8001', inUse, total: 4 }],
    });
    expect(model.snapshot().slots).toEqual([{ address: 'a:8001', inUse: 3, total: 4 }]);
    inUse = 4;
    expect(model.snapshot().slots).toEqual([{ address: 'a:8001', inUse: 4, total: 4 }]);
  });

  it('drops skipped audio from the total and ignores frame counts that go back', () => {
    const { model, advance } = setup();
    model.jobStarted({ line: 1, key: 'a.wav', frames: 1000, windows: 1 });
    model.jobFinished({ line: 1, key: 'a.wav', frames: 1000 }, 'skipped');
    model.jobStarted({ line: 3, key: 'b.wav', frames: 1500, windows: 1 });
    advance(1000);
    model.framesDone(3, 300);
    model.framesDone(3, 100); // a retried window starts again from 0: not a loss of progress
    const s = model.snapshot();
    expect([s.jobsDone, s.skipped, s.audioSecondsTotal, s.audioSecondsDone]).toEqual([1, 1, 30, 6]);
  });

  it('emits started, retry, finished and note events', () => {
    const { model, events } = setup();
    model.jobStarted({ line: 4, key: 'c.wav', frames: 100, windows: 2 });
    model.retrying(4, 1, 250, 'UNAVAILABLE');
    model.jobFinished({ line: 4, key: 'c.wav', frames: 100 }, 'failed', 'interrupted');
    model.note('hello');
    expect(events).toEqual([
      {
        kind: 'started',
        job: { line: 4, key: 'c.wav', frames: 100, windows: 2, phase: 'waiting', window: 0, framesDone: 0 },
      },
      { kind: 'retry', line: 4, key: 'c.wav', attempt: 1, delayMs: 250, error: 'UNAVAILABLE' },
      { kind: 'finished', line: 4, key: 'c.wav', status: 'failed', detail: 'interrupted' },
      { kind: 'note', message: 'hello' },
    ]);
  });

  it('has no speed or ETA before the first frame', () => {
    const { model } = setup();
    const s = model.snapshot();
    expect([s.framesPerSecond, s.etaSeconds]).toEqual([0, undefined]);
  });
});
