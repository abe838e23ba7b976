/**
 * A weighted semaphore over seconds of audio held in memory by jobs that decode, encode and store.
 * Each job takes its own duration; a job longer than the whole budget still runs, alone. Waiters are
 * served first come, first served, so a long job is not starved by short ones.
 *
 * @example
 * ```ts
 * const budget = new AudioMemoryBudget(1200); // at most 20 minutes of audio in memory at once
 * const release = await budget.acquire(45, signal);
 * try { await decodeEncodeStore(); } finally { release(); }
 * ```
 */
export class AudioMemoryBudget {
  readonly capacitySeconds: number;
  #used = 0;
  readonly #waiters: { seconds: number; grant: () => void }[] = [];

  constructor(capacitySeconds: number) {
    if (!(capacitySeconds > 0) || !Number.isFinite(capacitySeconds)) {
      throw new RangeError(
        `Cannot create an audio memory budget: seconds must be a positive number: got ${capacitySeconds}`,
      );
    }
    this.capacitySeconds = capacitySeconds;
  }

  /** Seconds of audio held now. */
  get usedSeconds(): number {
    return this.#used;
  }

  /** Waits until `seconds` (capped at the capacity) fit, takes them, and returns the function that gives them back. */
  acquire(seconds: number, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const weight = Math.min(Math.max(0, seconds), this.capacitySeconds);
    if (this.#waiters.length === 0 && this.#used + weight <= this.capacitySeconds) {
      this.#used += weight;
      return Promise.resolve(this.#releaser(weight));
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        seconds: weight,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.#used += weight;
          resolve(this.#releaser(weight));
        },
      };
      const onAbort = () => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        this.#grantWaiting();
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #releaser(weight: number): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#used -= weight;
      this.#grantWaiting();
    };
  }

  #grantWaiting(): void {
    for (
      let next = this.#waiters[0];
      next && this.#used + next.seconds <= this.capacitySeconds;
      next = this.#waiters[0]
    ) {
      this.#waiters.shift();
      next.grant();
    }
  }
}
