import { describe, expect, it } from 'vitest';
import { planCapacity, queueMargin } from './capacity-plan.js';

describe('queueMargin', () => {
  it.each([
    [1, 1],
    [4, 1],
    [8, 1],
    [9, 2],
    [40, 5],
    [64, 8],
  ])('%i slots keep %i waiting', (slots, margin) => {
    expect(queueMargin(slots)).toBe(margin);
  });
});

describe('planCapacity', () => {
  it('fills every endpoint of any size, plus its margin', () => {
    expect(
      planCapacity(
        [
          { address: 'h200:8001', capacity: 64 },
          { address: 'l40s:8001', capacity: 40 },
        ],
        undefined,
        1000,
      ),
    ).toEqual({ concurrency: 117, slots: 104, warnings: [] });
  });

  it('warns when --concurrency is below the slots', () => {
    expect(planCapacity([{ address: 'a:8001', capacity: 64 }], 16, 1000)).toEqual({
      concurrency: 16,
      slots: 64,
      warnings: [
        'Warning: --concurrency 16 keeps fewer windows in flight than the 64 requests the server can run at once: part of the GPU will idle',
      ],
    });
  });

  it('warns when there are fewer jobs than slots', () => {
    expect(
      planCapacity(
        [
          { address: 'a:8001', capacity: 24 },
          { address: 'b:8001', capacity: 24 },
        ],
        undefined,
        10,
      ),
    ).toEqual({
      concurrency: 54,
      slots: 48,
      warnings: [
        'Warning: 10 jobs cannot fill the 48 requests the servers can run at once (a job has one window in flight at a time)',
      ],
    });
  });

  it('says nothing for a run with no jobs to do', () => {
    expect(planCapacity([{ address: 'a:8001', capacity: 16 }], undefined, 0).warnings).toEqual([]);
  });
});
