import type { ObjectStore } from '@musicgen/store';
import { formatDuration } from '../progress/format-progress.js';
import { describeError } from './retryable-error.js';
import type { Spool, SpoolEntry } from './spool.js';

/** A key never stored, read to ask a failing store whether it answers again. */
const HEALTH_PROBE_KEY = '_musicgen-check/health';

/** How long finished audio waits in the spool for a failing store before the run gives up: 15 minutes. */
export const DEFAULT_STORE_WAIT_MS = 15 * 60_000;
/** Backoff between uploads of the spool while the store fails: 1 s doubling to 30 s, ±20 % jitter. */
export const SPOOL_RETRY_INITIAL_MS = 1_000;
export const SPOOL_RETRY_MAX_MS = 30_000;

/** What the writer tells the run about the store's health. */
export interface StoreHealthEvents {
  /** The store failed a write: generation pauses; finished audio goes to the spool. */
  failing(info: { error: string; spool: string }): void;
  /** The spool is empty again after an outage of `seconds`: generation resumes. */
  recovered(info: { seconds: number; uploaded: number }): void;
  /** The store failed for longer than the wait: the run gives up; `left` WAVs stay in the spool. */
  gaveUp(info: { error: string; seconds: number; left: number; spool: string }): void;
  /** The state shown in the progress line, or undefined when the store is fine. */
  state(info: { since: number; error: string; spooled: number; spooledBytes: number } | undefined): void;
}

/** Options of {@link StoreWriter}. */
export interface StoreWriterOptions {
  readonly store: ObjectStore;
  readonly spool: Spool;
  /** Stops and restarts new generation windows. */
  readonly gate: { pause(): void; resume(): void; halt(reason: unknown): void };
  readonly events: StoreHealthEvents;
  /** How long to keep trying a failing store. Default {@link DEFAULT_STORE_WAIT_MS}. */
  readonly waitMs?: number;
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly signal: AbortSignal;
  readonly now?: () => number;
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Stores finished WAVs so that a store outage loses nothing and wastes no GPU time: a WAV goes straight
 * to the store while it works; when a write fails, generation pauses (no new window starts), the WAV and
 * every one finished after it go to the on-disk {@link Spool}, and a background loop uploads the spool,
 * oldest first, with backoff (1 s doubling to 30 s) for up to `waitMs`. When the spool is empty the
 * store is healthy again and generation resumes. If the store stays down longer, the run gives up: the
 * waiting jobs fail, no new job starts, and the spool stays on disk for the next run to upload first.
 *
 * @example
 * ```ts
 * const writer = new StoreWriter({ store, spool, gate: scheduler, events, signal });
 * const { bytes, spooled } = await writer.write(job.key, wav, { metadata, contentType: 'audio/wav' });
 * ```
 */
export class StoreWriter {
  readonly #options: StoreWriterOptions;
  readonly #now: () => number;
  readonly #waiters = new Map<SpoolEntry, Waiter>();
  #failingSince: number | undefined;
  #lastError = '';
  #uploadedInOutage = 0;
  #gaveUp: Error | undefined;
  #draining: Promise<void> | undefined;

  constructor(options: StoreWriterOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => Date.now());
  }

  /** The error the run gave up with, once the store failed for longer than the wait. */
  get gaveUp(): Error | undefined {
    return this.#gaveUp;
  }

  /**
   * Stores `wav` under `key`: at once while the store works, else through the spool. Resolves once the
   * WAV is safe (in the store, or on disk in the spool), so the caller can drop it from memory;
   * `stored` then resolves once the store holds it, or rejects when the run gives up on the store or is
   * interrupted while the WAV waits (it then stays in the spool for the next run).
   */
  async write(
    key: string,
    wav: Uint8Array,
    options: { metadata: Record<string, string>; contentType: string },
  ): Promise<{ bytes: number; spooled: boolean; stored: Promise<void> }> {
    const { store, spool, signal } = this.#options;
    if (this.#gaveUp) throw this.#gaveUp;
    if (this.#failingSince === undefined) {
      try {
        const info = await store.put(key, wav, { ...options, signal });
        return { bytes: info.bytes, spooled: false, stored: Promise.resolve() };
      } catch (error) {
        if (signal.aborted || error instanceof RangeError || error instanceof TypeError) throw error;
        this.#startFailing(error);
      }
    }
    while (!spool.fits(wav.byteLength) && spool.entries.length > 0) {
      await this.#waitForSpace();
      if (this.#gaveUp) throw this.#gaveUp;
    }
    const entry = await spool.add(key, wav, options.metadata, options.contentType).catch((error: unknown) => {
      throw new Error(
        `Cannot keep the WAV in the spool ${spool.directory} while the store fails: ${describeError(error)}`,
      );
    });
    this.#publishState();
    const stored = new Promise<void>((resolve, reject) => this.#waiters.set(entry, { resolve, reject }));
    stored.catch(() => undefined); // the caller awaits it; never an unhandled rejection meanwhile
    this.#drain();
    return { bytes: wav.byteLength, spooled: true, stored };
  }

  /**
   * Uploads what is in the spool now (the WAVs a killed run left, adopted at start) before any job
   * starts; through an outage of the store it waits as {@link write} does.
   */
  async flush(): Promise<void> {
    if (this.#options.spool.entries.length === 0) return;
    this.#draining ??= this.#uploadLoop(0).finally(() => (this.#draining = undefined));
    await this.#draining;
  }

  /** Marks the store failing (the first time) and starts uploading the spool in the background. */
  #startFailing(error: unknown): void {
    this.#lastError = describeError(error);
    if (this.#failingSince !== undefined) return;
    this.#failingSince = this.#now();
    this.#uploadedInOutage = 0;
    this.#options.gate.pause();
    this.#options.events.failing({ error: this.#lastError, spool: this.#options.spool.directory });
    this.#publishState();
  }

  #publishState(): void {
    const { spool, events } = this.#options;
    events.state(
      this.#failingSince === undefined
        ? undefined
        : {
            since: this.#failingSince,
            error: this.#lastError,
            spooled: spool.entries.length,
            spooledBytes: spool.bytes,
          },
    );
  }

  #drain(): void {
    this.#draining ??= this.#uploadLoop().finally(() => (this.#draining = undefined));
  }

  #spaceWaiters: (() => void)[] = [];
  #waitForSpace(): Promise<void> {
    return new Promise((resolve) => this.#spaceWaiters.push(resolve));
  }
  #spaceFreed(): void {
    for (const wake of this.#spaceWaiters.splice(0)) wake();
  }

  async #uploadLoop(firstDelayMs?: number): Promise<void> {
    const { store, spool, signal, waitMs = DEFAULT_STORE_WAIT_MS } = this.#options;
    const { initialDelayMs = SPOOL_RETRY_INITIAL_MS, maxDelayMs = SPOOL_RETRY_MAX_MS } = this.#options;
    let delay = firstDelayMs ?? initialDelayMs;
    // Until the spool is empty and the store answers: upload the oldest WAV, or (nothing spooled) ask the
    // store whether it works again.
    while (spool.entries.length > 0 || this.#failingSince !== undefined) {
      const since = this.#failingSince ?? this.#now();
      if (this.#now() - since >= waitMs) return this.#giveUp();
      const jittered = delay * (0.8 + 0.4 * Math.random());
      const wait = Math.max(0, Math.min(jittered, since + waitMs - this.#now()));
      if (!(await sleep(wait, signal))) return this.#interrupted();
      const entry = spool.entries[0];
      try {
        if (entry) {
          await store.put(entry.key, spool.body(entry), {
            metadata: entry.metadata,
            contentType: entry.contentType,
            signal,
          });
        } else {
          await store.head(HEALTH_PROBE_KEY);
        }
      } catch (error) {
        if (signal.aborted) return this.#interrupted();
        if (this.#failingSince === undefined) this.#startFailing(error);
        this.#lastError = describeError(error);
        this.#publishState();
        delay = Math.min(maxDelayMs, Math.max(initialDelayMs, delay * 2));
        continue;
      }
      delay = 0; // the store works again: the rest go up one after the other
      if (!entry) {
        this.#recovered();
        continue;
      }
      await spool.remove(entry);
      this.#uploadedInOutage += 1;
      this.#waiters.get(entry)?.resolve();
      this.#waiters.delete(entry);
      this.#spaceFreed();
      this.#publishState();
    }
  }

  #recovered(): void {
    if (this.#failingSince === undefined) return;
    const seconds = (this.#now() - this.#failingSince) / 1000;
    this.#failingSince = undefined;
    this.#publishState();
    this.#options.events.recovered({ seconds, uploaded: this.#uploadedInOutage });
    this.#options.gate.resume();
    for (const wake of this.#healthWaiters.splice(0)) wake.resolve();
  }

  /**
   * Tells the writer that a read of the store failed (a job's done check or lease): the store counts as
   * failing, generation pauses, and the writer keeps asking it until it answers.
   */
  reportFailure(error: unknown): void {
    if (this.#gaveUp) return;
    this.#startFailing(error);
    this.#drain();
  }

  /** Resolves at once while the store works, else once it works again; rejects when the run gave up. */
  whenHealthy(): Promise<void> {
    if (this.#gaveUp) return Promise.reject(this.#gaveUp);
    if (this.#failingSince === undefined) return Promise.resolve();
    return new Promise((resolve, reject) => this.#healthWaiters.push({ resolve, reject }));
  }

  #healthWaiters: Waiter[] = [];

  #giveUp(): void {
    const { spool, events, gate } = this.#options;
    const seconds = (this.#now() - (this.#failingSince ?? this.#now())) / 1000;
    this.#gaveUp = new Error(
      `the store failed for ${formatDuration(seconds)} (${this.#lastError}); the WAV stays in the spool ${spool.directory} and the next run uploads it first`,
    );
    events.gaveUp({ error: this.#lastError, seconds, left: spool.entries.length, spool: spool.directory });
    gate.halt(new Error(`not started: the store failed for ${formatDuration(seconds)} (${this.#lastError})`));
    for (const waiter of [...this.#waiters.values(), ...this.#healthWaiters.splice(0)])
      waiter.reject(this.#gaveUp);
    this.#waiters.clear();
    this.#spaceFreed();
  }

  #interrupted(): void {
    const reason = this.#options.signal.reason;
    for (const waiter of [...this.#waiters.values(), ...this.#healthWaiters.splice(0)]) waiter.reject(reason);
    this.#waiters.clear();
    this.#spaceFreed();
  }
}

/** Waits `ms`; resolves false when `signal` aborts first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
