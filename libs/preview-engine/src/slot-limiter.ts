import { status } from '@grpc/grpc-js';
import { RequestError } from './request-error.js';

/** A place taken with {@link SlotLimiter.take}: granted at once, or waiting in line. */
export interface SlotTicket {
  /** Resolves with the function that gives the slot back, once the slot is granted. */
  readonly granted: Promise<() => void>;
  /** 0 once the slot is granted; k >= 1 while the request waits k-th in line. */
  position(): number;
}

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
   * Takes a slot, or a place in line for one.
   *
   * @throws {RequestError} UNAVAILABLE (tagged) when the queue is full.
   */
  take(): SlotTicket {
    if (this.running < this.slots) {
      this.running++;
      return { granted: Promise.resolve(this.releaser()), position: () => 0 };
    }
    if (this.waiting.length >= this.queueSize) {
      throw new RequestError(
        status.UNAVAILABLE,
        `Cannot accept request as all ${this.slots} slots are busy and ${this.queueSize} requests are waiting: try again later`,
        'UNAVAILABLE',
      );
    }
    let grant!: () => void;
    const granted = new Promise<void>((resolve) => (grant = resolve)).then(() => this.releaser());
    this.waiting.push(grant);
    return { granted, position: () => this.waiting.indexOf(grant) + 1 };
  }

  /**
   * Resolves with a release function once a slot is free.
   *
   * @throws {RequestError} UNAVAILABLE (tagged) when the queue is full.
   */
  async acquire(): Promise<() => void> {
    return this.take().granted;
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
