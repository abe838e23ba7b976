import { sleep } from '@musicgen/ssh';
import type { JobLeases, LeaseOwner, LeaseRecord } from '@musicgen/store';

/**
 * How long a job's lease lasts without renewal: a run killed on another machine blocks its jobs for at
 * most this long (on the same machine, a dead process's leases are free at once).
 */
export const JOB_LEASE_TTL_MS = 120_000;
/** How often a held lease is renewed: four times per time to live, so one slow renewal loses nothing. */
export const JOB_LEASE_RENEW_MS = 30_000;
/** How often a job leased by another live run is asked for again. */
export const JOB_LEASE_POLL_MS = 3_000;

/** What {@link holdJobLease} works with. */
export interface JobLeaseContext {
  readonly leases: JobLeases;
  readonly owner: LeaseOwner;
  readonly ttlMs?: number;
  readonly renewMs?: number;
  readonly pollMs?: number;
  /** Told each time a job is found leased by another live run (the caller warns once per run). */
  readonly onOtherRun: (holder: LeaseRecord) => void;
  /** Told when a renewal finds that another run took the lease over (this one had expired). */
  readonly onLost: (key: string) => void;
}

/** A job lease this run holds; renewed in the background until released. */
export interface HeldJobLease {
  /** True when the job was leased by another run first and this run waited for it. */
  readonly waited: boolean;
  release(): Promise<void>;
}

/**
 * Takes the lease of job `key`, waiting (polling every `pollMs`) while another live run holds it, and
 * keeps it renewed until released. Rejects with the signal's reason when `signal` aborts.
 *
 * @example
 * ```ts
 * const lease = await holdJobLease(job.key, context, signal);
 * try { ... generate and store ... } finally { await lease.release(); }
 * ```
 */
export async function holdJobLease(
  key: string,
  context: JobLeaseContext,
  signal: AbortSignal,
): Promise<HeldJobLease> {
  const {
    leases,
    owner,
    ttlMs = JOB_LEASE_TTL_MS,
    renewMs = JOB_LEASE_RENEW_MS,
    pollMs = JOB_LEASE_POLL_MS,
  } = context;
  let waited = false;
  for (;;) {
    signal.throwIfAborted();
    const result = await leases.acquire(key, { owner, ttlMs });
    if (result.acquired) {
      const { lease } = result;
      let lost = false;
      const timer = setInterval(() => {
        void lease.renew().then(
          (kept) => {
            if (!kept && !lost) {
              lost = true;
              context.onLost(key);
            }
          },
          () => undefined, // a store outage: the next renewal tries again
        );
      }, renewMs);
      timer.unref();
      return {
        waited,
        async release() {
          clearInterval(timer);
          await lease.release().catch(() => undefined);
        },
      };
    }
    waited = true;
    context.onOtherRun(result.holder);
    await sleep(pollMs, signal);
  }
}
