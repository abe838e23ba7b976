import { status } from '@grpc/grpc-js';
import { RequestError } from './request-error.js';

/**
 * At most `slots` requests generate at once, engine-wide; up to `queueSize` more wait in arrival order;
 * beyond that a request is refused with UNAVAILABLE, as `musicgen_lm` refuses it when its queue is full.
 */
export class SlotLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly slots: number,
    readonly queueSize: number,
  ) {}

  /** Requests generating now. */
  get inUse(): number {
    return this.running;
  }

  /**
   * Resolves with a release function once a slot is free.
   *
   * @throws {RequestError} UNAVAILABLE (tagged) when the queue is full.
   */
  async acquire(): Promise<() => void> {
    if (this.running < this.slots) {
      this.running++;
      return this.releaser();
    }
    if (this.waiting.length >= this.queueSize) {
      throw new RequestError(
        status.UNAVAILABLE,
        `Cannot accept request as all ${this.slots} slots are busy and ${this.queueSize} requests are waiting: try again later`,
        'UNAVAILABLE',
      );
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    };
  }
}
