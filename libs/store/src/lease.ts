import { hostname } from 'node:os';

/** Who holds a lease: enough to tell a live run from a dead one, and to name it in a warning. */
export interface LeaseOwner {
  /** A random id per run. */
  readonly runId: string;
  /** The machine's host name. */
  readonly host: string;
  /** The process id on that host. */
  readonly pid: number;
}

/** A lease as stored: its owner and when it runs out unless renewed. */
export interface LeaseRecord extends LeaseOwner {
  /** ISO 8601 time after which anyone may take the lease over. */
  readonly expiresAt: string;
}

/** A lease this process holds. */
export interface Lease {
  readonly name: string;
  /** Pushes the expiry `ttlMs` from now. Resolves `false` when the lease was taken over (it had expired). */
  renew(): Promise<boolean>;
  /** Gives the lease up (only if it is still this owner's). */
  release(): Promise<void>;
}

/** The answer of {@link JobLeases.acquire}: the lease, or who holds it now. */
export type LeaseResult =
  | { readonly acquired: true; readonly lease: Lease }
  | { readonly acquired: false; readonly holder: LeaseRecord };

/** Options of {@link JobLeases.acquire}. */
export interface AcquireLeaseOptions {
  readonly owner: LeaseOwner;
  /** How long the lease lasts without a renewal, in ms. */
  readonly ttlMs: number;
}

/**
 * How exclusive a store's leases are: `exclusive` when it honours create-only writes (a local folder's
 * `O_EXCL`/`link`, S3's `If-None-Match: *` and `If-Match`), `advisory` when it ignores them (s3rver,
 * some S3-compatible stores): then a lease is read before it is written, and two runs that start a job
 * at the same instant may both get it.
 */
export type LeaseMode = 'exclusive' | 'advisory';

/**
 * Per-job leases, a capability of each store: a run takes a job's lease before generating it, so two
 * runs on one store never both do the work. A lease expires unless renewed, so a killed run blocks
 * nobody for longer than its time to live (on the same host, a dead process's lease is free at once).
 *
 * @example
 * ```ts
 * const result = await store.leases.acquire('calm_1a2b3c4d.wav', { owner: leaseOwner('run-7'), ttlMs: 120_000 });
 * if (result.acquired) { try { ... } finally { await result.lease.release(); } }
 * else console.log(`held by ${describeLeaseHolder(result.holder)}`);
 * ```
 */
export interface JobLeases {
  /** Whether leases are exclusive on this store (asks the store once, then remembers). */
  mode(): Promise<LeaseMode>;
  /** Takes the lease `name` if nobody live holds it (an expired or dead holder's lease is taken over). */
  acquire(name: string, options: AcquireLeaseOptions): Promise<LeaseResult>;
  /** The live holder of `name` other than `runId`, or undefined. */
  holder(name: string, runId: string): Promise<LeaseRecord | undefined>;
}

/** Reserved folder (local) or key prefix (S3) that holds the leases. */
export const LEASE_PREFIX = '_musicgen-leases/';

/** This process as a lease owner, for a run with id `runId`. */
export function leaseOwner(runId: string): LeaseOwner {
  return { runId, host: hostname(), pid: process.pid };
}

/** The record to store for `owner`, expiring `ttlMs` after `now`. */
export function leaseRecord(owner: LeaseOwner, ttlMs: number, now = Date.now()): LeaseRecord {
  return {
    runId: owner.runId,
    host: owner.host,
    pid: owner.pid,
    expiresAt: new Date(now + ttlMs).toISOString(),
  };
}

/**
 * Whether `record` still holds its lease: not expired, and, when it names this host, its process is
 * alive (a run killed with `kill -9` frees its leases at once for the next run on the same machine).
 */
export function isLeaseLive(record: LeaseRecord, now = Date.now()): boolean {
  if (Date.parse(record.expiresAt) <= now) return false;
  if (record.host !== hostname()) return true;
  if (record.pid === process.pid) return true;
  try {
    process.kill(record.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A holder in words: `run 1a2b3c4d (pid 4242 on pod-7)`. */
export function describeLeaseHolder(record: LeaseOwner): string {
  return `run ${record.runId} (pid ${record.pid} on ${record.host})`;
}

/** Parses a stored lease; undefined when it is not one. */
export function parseLeaseRecord(text: string): LeaseRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<LeaseRecord>;
    const ok =
      typeof value.runId === 'string' &&
      typeof value.host === 'string' &&
      typeof value.pid === 'number' &&
      typeof value.expiresAt === 'string' &&
      !Number.isNaN(Date.parse(value.expiresAt));
    return ok ? (value as LeaseRecord) : undefined;
  } catch {
    return undefined;
  }
}
