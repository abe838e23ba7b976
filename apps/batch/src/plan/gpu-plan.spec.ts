import { describe, expect, it } from 'vitest';
import { audioRate, formatWall, planGpus, readThroughputTable, type GpuThroughput } from './gpu-plan.js';

const X: GpuThroughput = {
  gpu: 'X',
  source: 'made up',
  slots: 4,
  points: [
    { concurrent: 1, audio_s_per_s: 1 },
    { concurrent: 4, audio_s_per_s: 2 },
  ],
};

describe('planGpus', () => {
  it.each([
    [1, 1],
    [2, 1 + 1 / 3],
    [4, 2],
    [9, 2], // never more prompts than slots
  ])('audio rate at %d prompts is %d', (concurrent, rate) => {
    expect(audioRate(X, concurrent)).toBeCloseTo(rate, 10);
  });

  it('plans 1, 2, 4 and 8 GPUs, each bound by throughput or by the longest job, and says where more stop helping', () => {
    const plan = planGpus({
      jobSeconds: new Array(10).fill(30),
      gpu: X,
      pricePerHourUsd: 1,
      startupSeconds: 100,
    });
    expect(plan).toEqual({
      gpu: 'X',
      source: 'made up',
      pricePerHourUsd: 1,
      priceFrom: 'table',
      startupSeconds: 100,
      rows: [
        // 300 s of audio at 2/s on 1 GPU: 150 s (+100 start)
        {
          gpus: 1,
          concurrentPerGpu: 4,
          audioSecondsPerSecond: 2,
          wallSeconds: 250,
          gpuHours: 0.07,
          costUsd: 0.07,
          bound: 'throughput',
        },
        {
          gpus: 2,
          concurrentPerGpu: 4,
          audioSecondsPerSecond: 4,
          wallSeconds: 175,
          gpuHours: 0.1,
          costUsd: 0.1,
          bound: 'throughput',
        },
        // 3 prompts at 5/3 audio-s/s: one 30 s job takes 54 s, more than 300 / (4 × 5/3) = 45 s
        {
          gpus: 4,
          concurrentPerGpu: 3,
          audioSecondsPerSecond: 5.56,
          wallSeconds: 154,
          gpuHours: 0.17,
          costUsd: 0.17,
          bound: 'longest-job',
        },
        {
          gpus: 8,
          concurrentPerGpu: 2,
          audioSecondsPerSecond: 6.67,
          wallSeconds: 145,
          gpuHours: 0.32,
          costUsd: 0.32,
          bound: 'longest-job',
        },
      ],
      enoughAt: 2,
      why: 'the longest job (30 s of audio, one window at a time) bounds the time',
    });
  });

  it('says when the jobs cannot fill the slots of more GPUs, and plans nothing for no jobs', () => {
    const wide: GpuThroughput = {
      ...X,
      slots: 64,
      points: [
        { concurrent: 1, audio_s_per_s: 1 },
        { concurrent: 64, audio_s_per_s: 64 },
      ],
    };
    const plan = planGpus({
      jobSeconds: new Array(200).fill(1),
      gpu: wide,
      pricePerHourUsd: 2,
      startupSeconds: 0,
    });
    expect([plan.enoughAt, plan.why]).toEqual([
      4,
      '200 jobs cannot fill the 64 slots of 8 GPUs (a job has one window in flight at a time)',
    ]);
    const none = planGpus({ jobSeconds: [], gpu: X, pricePerHourUsd: 1, startupSeconds: 100 });
    expect(none.rows.map((r) => [r.wallSeconds, r.costUsd])).toEqual([
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    expect([none.enoughAt, none.why]).toEqual([1, 'there is nothing to generate']);
  });

  it('the shipped table: 100 000 prompts of 30 s take a day and a half on one L40S, and hours on 8', async () => {
    const table = await readThroughputTable();
    const l40s = table.gpus.find((g) => g.gpu === 'L40S') as GpuThroughput;
    const plan = planGpus({
      jobSeconds: new Array(100_000).fill(30),
      gpu: l40s,
      pricePerHourUsd: 0.86,
      startupSeconds: table.startup_s,
    });
    const days = plan.rows.map((r) => Math.round((r.wallSeconds / 86_400) * 10) / 10);
    expect(days).toEqual([1.6, 0.8, 0.4, 0.2]);
    expect(plan.enoughAt).toBeUndefined(); // the catalogue fills every slot of 8 GPUs
  });

  it('writes wall times for people', () => {
    expect([formatWall(45), formatWall(250), formatWall(3 * 3600 + 5 * 60)]).toEqual([
      '45 s',
      '4 min 10 s',
      '3 h 05 min',
    ]);
  });
});
