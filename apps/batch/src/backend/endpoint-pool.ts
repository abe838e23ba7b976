import type { Codes } from '@musicgen/contract';
import { TritonError, type DecodeOptions, type GenerateWindowRequest } from '@musicgen/triton-client';
import type { GenerationBackend } from './generation-backend.js';

/** One endpoint of an {@link EndpointPool}: its address, its capacity and the client calls used on it. */
export interface PoolMember {
  readonly address: string;
  /** Requests its `musicgen_lm` runs at once (its slots). Default 1: plain least-outstanding balancing. */
  readonly capacity?: number;
  generateWindow(request: GenerateWindowRequest): Promise<Codes>;
  decode(codes: Codes, options?: DecodeOptions): Promise<Float32Array>;
}

/** Windows in flight at one endpoint against its slots, now and over the run. */
export interface EndpointLoad {
  readonly address: string;
  /** Its slots (`capacity`). */
  readonly slots: number;
  /** Windows sent to it and not answered yet. */
  readonly windows: number;
  /** Most windows in flight at once so far. */
  readonly peakWindows: number;
  /** Time-weighted mean of windows in flight since the first window was sent. */
  readonly meanWindows: number;
}

/**
 * How long an endpoint that just failed is passed over while another is available; it doubles with
 * each failure in a row (a frozen server costs each window sent to it a liveness timeout), up to
 * {@link MAX_FAILED_ENDPOINT_COOLDOWN_MS}, and starts again once the endpoint answers.
 */
export const FAILED_ENDPOINT_COOLDOWN_MS = 5_000;
/** The longest an endpoint that keeps failing is passed over before it is tried again. */
export const MAX_FAILED_ENDPOINT_COOLDOWN_MS = 60_000;

/** gRPC status UNAVAILABLE: what a call gets while the pool has no endpoint (a retryable failure). */
const UNAVAILABLE = 14;

interface MemberState {
  readonly member: PoolMember;
  /** Taken out of the pool (its name no longer resolves to it): no new call, the ones in flight finish. */
  retired: boolean;
  /** Resolves the promise {@link EndpointPool.retire} returned once nothing is in flight. */
  idle: (() => void) | undefined;
  readonly slots: number;
  windows: number;
  decodes: number;
  failedAt: number;
  /** Failures in a row; the cooldown doubles with each. */
  failures: number;
  peak: number;
  /** Integral of windows over time (window·ms) since `since`. */
  area: number;
  changedAt: number;
}

/**
 * Spreads calls over several endpoints. A window goes to the endpoint whose slots are least full
 * (windows in flight divided by its slots), so endpoints of different sizes fill up together; a decode
 * goes to the one with the fewest decodes in flight. An endpoint that just failed is passed over
 * while a healthy one exists, for {@link FAILED_ENDPOINT_COOLDOWN_MS} doubling with each failure in a
 * row (so a dead or frozen pod is dropped, retried less and less often, and taken back once it answers).
 *
 * @example
 * ```ts
 * const pool = new EndpointPool([{ address: 'h200:8001', capacity: 64, ...musicgen1 }, { address: 'l40s:8001', capacity: 40, ...musicgen2 }]);
 * await pool.generateWindow({ text: 'rain', frames: 500 });
 * pool.load(); // [{ address: 'h200:8001', slots: 64, windows: 0, peakWindows: 1, meanWindows: … }, …]
 * ```
 */
export class EndpointPool implements GenerationBackend {
  /** Every endpoint that received or may receive calls, retired ones included (the report lists them). */
  readonly #members: MemberState[];
  readonly #now: () => number;
  #since: number | undefined;

  constructor(
    members: readonly PoolMember[],
    now: () => number = () => performance.now(),
    options: { allowEmpty?: boolean } = {},
  ) {
    if (members.length === 0 && !options.allowEmpty)
      throw new RangeError('Cannot create an endpoint pool: give at least one endpoint: got 0');
    this.#members = [];
    this.#now = now;
    for (const m of members) this.add(m);
  }

  /** `host:port` of the endpoints taking new calls. */
  get endpoints(): readonly string[] {
    return this.#members.filter((s) => !s.retired).map((s) => s.member.address);
  }

  /**
   * Adds an endpoint (a new replica behind a DNS name); it takes calls at once. An address that was
   * retired comes back as a new member.
   *
   * @throws {RangeError} for a capacity that is not an integer >= 1, or an address already taking calls.
   */
  add(member: PoolMember): void {
    const slots = member.capacity ?? 1;
    if (!Number.isSafeInteger(slots) || slots < 1) {
      throw new RangeError(
        `Cannot add ${member.address} to the endpoint pool as its capacity must be an integer >= 1: got ${slots}`,
      );
    }
    if (this.endpoints.includes(member.address)) {
      throw new RangeError(`Cannot add ${member.address} to the endpoint pool as it is in it already`);
    }
    this.#members.push({
      member,
      retired: false,
      idle: undefined,
      slots,
      windows: 0,
      decodes: 0,
      failedAt: Number.NEGATIVE_INFINITY,
      failures: 0,
      peak: 0,
      area: 0,
      changedAt: this.#now(),
    });
  }

  /**
   * Takes an endpoint out of the pool: no new call goes to it; resolves once the calls in flight there
   * have ended (then its client may be closed). Resolves at once for an address not taking calls.
   */
  retire(address: string): Promise<void> {
    const state = this.#members.find((s) => !s.retired && s.member.address === address);
    if (!state) return Promise.resolve();
    state.retired = true;
    if (state.windows + state.decodes === 0) return Promise.resolve();
    return new Promise((resolve) => (state.idle = resolve));
  }

  generateWindow(request: GenerateWindowRequest): Promise<Codes> {
    return this.#call('windows', (m) => m.generateWindow(request));
  }

  decode(codes: Codes, options?: DecodeOptions): Promise<Float32Array> {
    return this.#call('decodes', (m) => m.decode(codes, options));
  }

  /** The member the next window goes to. */
  pick(): PoolMember {
    return this.#pickState('windows').member;
  }

  /** Every endpoint's windows in flight against its slots. */
  load(): EndpointLoad[] {
    const now = this.#now();
    return this.#members.map((s) => {
      const elapsed = this.#since === undefined ? 0 : now - this.#since;
      const area = s.area + s.windows * (now - s.changedAt);
      return {
        address: s.member.address,
        slots: s.slots,
        windows: s.windows,
        peakWindows: s.peak,
        meanWindows: elapsed > 0 ? area / elapsed : s.windows,
      };
    });
  }

  #pickState(kind: 'windows' | 'decodes'): MemberState {
    const now = this.#now();
    const live = this.#members.filter((s) => !s.retired);
    if (live.length === 0) {
      throw new TritonError({
        code: UNAVAILABLE,
        details: 'no Triton endpoint is available (the endpoint name resolves to no address now)',
        rpc: kind === 'windows' ? 'ModelStreamInfer' : 'ModelInfer',
      });
    }
    const healthy = live.filter((s) => now - s.failedAt >= cooldownMs(s.failures));
    const candidates = healthy.length > 0 ? healthy : live;
    const fill = (s: MemberState) => (kind === 'windows' ? s.windows / s.slots : s.decodes);
    return candidates.reduce((best, s) => (fill(s) < fill(best) ? s : best));
  }

  #countWindows(state: MemberState, delta: number): void {
    const now = this.#now();
    this.#since ??= now;
    state.area += state.windows * (now - state.changedAt);
    state.changedAt = now;
    state.windows += delta;
    state.peak = Math.max(state.peak, state.windows);
  }

  async #call<T>(kind: 'windows' | 'decodes', call: (member: PoolMember) => Promise<T>): Promise<T> {
    const state = this.#pickState(kind);
    if (kind === 'windows') this.#countWindows(state, 1);
    else state.decodes += 1;
    try {
      const result = await call(state.member);
      state.failures = 0;
      return result;
    } catch (error) {
      if (!(error instanceof Error && error.name === 'AbortError')) {
        state.failedAt = this.#now();
        state.failures += 1;
      }
      throw error;
    } finally {
      if (kind === 'windows') this.#countWindows(state, -1);
      else state.decodes -= 1;
      if (state.retired && state.windows + state.decodes === 0) state.idle?.();
    }
  }
}

function cooldownMs(failures: number): number {
  if (failures === 0) return 0;
  return Math.min(FAILED_ENDPOINT_COOLDOWN_MS * 2 ** (failures - 1), MAX_FAILED_ENDPOINT_COOLDOWN_MS);
}
