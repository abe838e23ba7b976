/** Options of {@link WindowScheduler}. */
export interface WindowSchedulerOptions {
  /** Windows allowed in flight at once; a positive integer. */
  readonly capacity: number;
  /** Clock in milliseconds, for the occupancy statistics. Default `performance.now`. */
  readonly now?: () => number;
}

/**
 * How full the scheduler was over a run. `msAtLevel[n]` is the time spent with exactly `n` windows in
 * flight while jobs were still waiting to start (the steady state); `drainMsAtLevel` the same after the
 * last job started (the tail, where fewer windows than the capacity is expected).
 */
export interface OccupancyStats {
  readonly capacity: number;
  readonly windowsStarted: number;
  readonly peakInFlight: number;
  readonly msAtLevel: readonly number[];
  readonly drainMsAtLevel: readonly number[];
  /** Steady-state periods below capacity: how many, and the longest, in ms. */
  readonly gaps: { readonly count: number; readonly totalMs: number; readonly longestMs: number };
}

interface Waiter {
  readonly priority: number;
  readonly grant: () => void;
  readonly refuse: (reason: unknown) => void;
}

/**
 * Bounds the number of generation windows in flight. `acquire` waits for a slot (lowest `priority`
 * first, then first come), `whenWantsWork` tells the job runner when to start another job so that the
 * server always has `capacity` windows to batch. It also records how full it was over time.
 *
 * @example
 * ```ts
 * const scheduler = new WindowScheduler({ capacity: 16 });
 * const release = await scheduler.acquire(job.index, signal);
 * try { await generateWindow(); } finally { release(); }
 * ```
 */
export class WindowScheduler {
  #capacity: number;
  #inFlight = 0;
  #waiters: Waiter[] = [];
  #idleWaiters: { resolve: () => void; reject: (reason: unknown) => void }[] = [];
  #paused = false;
  #halted: { reason: unknown } | undefined;
  readonly #now: () => number;
  #windowsStarted = 0;
  #peak = 0;
  #draining = false;
  #levelSince: number;
  #msAtLevel: number[];
  #drainMsAtLevel: number[];
  #gapStart: number | undefined;
  #gaps = { count: 0, totalMs: 0, longestMs: 0 };

  constructor(options: WindowSchedulerOptions) {
    const { capacity, now = () => performance.now() } = options;
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `Cannot create window scheduler: capacity must be a positive integer: got ${capacity}`,
      );
    }
    this.#capacity = capacity;
    this.#now = now;
    this.#levelSince = now();
    this.#msAtLevel = new Array<number>(capacity + 1).fill(0);
    this.#drainMsAtLevel = new Array<number>(capacity + 1).fill(0);
  }

  /** Windows allowed in flight at once. */
  get capacity(): number {
    return this.#capacity;
  }

  /**
   * Changes how many windows may be in flight (endpoints came or went). Raising it grants waiting
   * windows at once; lowering it lets windows in flight finish and grants no new one until below it.
   */
  setCapacity(capacity: number): void {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `Cannot resize window scheduler: capacity must be a positive integer: got ${capacity}`,
      );
    }
    this.#account();
    this.#capacity = capacity;
    while (this.#msAtLevel.length <= capacity) this.#msAtLevel.push(0);
    while (this.#drainMsAtLevel.length <= capacity) this.#drainMsAtLevel.push(0);
    while (!this.#paused && this.#inFlight < this.#capacity && this.#waiters.length > 0)
      this.#waiters.shift()?.grant();
    this.#notifyIdle();
  }

  /** Windows in flight now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Windows waiting for a slot now. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** True while a newly started job would find a slot without queueing behind others. */
  get wantsWork(): boolean {
    return !this.#paused && !this.#halted && this.#inFlight + this.#waiters.length < this.capacity;
  }

  /** True while {@link pause}d: windows in flight go on, no new window starts. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Stops granting slots (windows in flight go on) until {@link resume}: the store is failing. */
  pause(): void {
    this.#paused = true;
  }

  /** Grants slots again after {@link pause}. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    while (this.#inFlight < this.capacity && this.#waiters.length > 0) this.#waiters.shift()?.grant();
    this.#notifyIdle();
  }

  /** Refuses every waiting and future {@link acquire} and {@link whenWantsWork} with `reason`. */
  halt(reason: unknown): void {
    this.#halted = { reason };
    for (const waiter of this.#waiters.splice(0)) waiter.refuse(reason);
    for (const idle of this.#idleWaiters.splice(0)) idle.reject(reason);
  }

  /**
   * Waits for a slot and returns the function that gives it back (call it exactly once). Rejects with
   * the signal's reason if `signal` aborts first.
   */
  acquire(priority: number, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#halted) return Promise.reject(this.#halted.reason);
    if (!this.#paused && this.#inFlight < this.capacity && this.#waiters.length === 0) {
      this.#take();
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        priority,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.#take();
          resolve(this.#releaser());
        },
        refuse: (reason) => {
          signal?.removeEventListener('abort', onAbort);
          reject(reason);
        },
      };
      const onAbort = () => {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        this.#notifyIdle();
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      let at = this.#waiters.findIndex((w) => w.priority > priority);
      if (at < 0) at = this.#waiters.length;
      this.#waiters.splice(at, 0, waiter);
    });
  }

  /** Resolves as soon as {@link wantsWork} is true (at once if it is). */
  whenWantsWork(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#halted) return Promise.reject(this.#halted.reason);
    if (this.wantsWork) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#idleWaiters.push({
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (reason) => {
          signal?.removeEventListener('abort', onAbort);
          reject(reason);
        },
      });
    });
  }

  /** Marks the start of the tail: no job is left to start, so fewer windows than capacity is expected. */
  markDraining(): void {
    this.#account();
    this.#closeGap();
    this.#draining = true;
  }

  /** Occupancy so far. */
  stats(): OccupancyStats {
    this.#account();
    const gaps = { ...this.#gaps };
    if (this.#gapStart !== undefined) {
      const open = this.#now() - this.#gapStart;
      gaps.count += 1;
      gaps.totalMs += open;
      gaps.longestMs = Math.max(gaps.longestMs, open);
    }
    return {
      capacity: this.capacity,
      windowsStarted: this.#windowsStarted,
      peakInFlight: this.#peak,
      msAtLevel: [...this.#msAtLevel],
      drainMsAtLevel: [...this.#drainMsAtLevel],
      gaps,
    };
  }

  #take(): void {
    this.#account();
    this.#inFlight += 1;
    this.#windowsStarted += 1;
    this.#peak = Math.max(this.#peak, this.#inFlight);
    if (this.#inFlight === this.capacity) this.#closeGap();
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#account();
      this.#inFlight -= 1;
      const next = this.#paused || this.#inFlight >= this.#capacity ? undefined : this.#waiters.shift();
      if (next) next.grant();
      else {
        if (!this.#draining && this.#windowsStarted > 0 && this.#gapStart === undefined)
          this.#gapStart = this.#now();
        this.#notifyIdle();
      }
    };
  }

  #notifyIdle(): void {
    while (this.wantsWork && this.#idleWaiters.length > 0) this.#idleWaiters.shift()?.resolve();
  }

  #account(): void {
    const now = this.#now();
    const levels = this.#draining ? this.#drainMsAtLevel : this.#msAtLevel;
    levels[this.#inFlight] = (levels[this.#inFlight] ?? 0) + (now - this.#levelSince);
    this.#levelSince = now;
  }

  #closeGap(): void {
    if (this.#gapStart === undefined) return;
    const length = this.#now() - this.#gapStart;
    this.#gaps.count += 1;
    this.#gaps.totalMs += length;
    this.#gaps.longestMs = Math.max(this.#gaps.longestMs, length);
    this.#gapStart = undefined;
  }
}
