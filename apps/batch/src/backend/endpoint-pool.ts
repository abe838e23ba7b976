import type { Codes } from '@musicgen/contract';
import type { DecodeOptions, GenerateWindowRequest } from '@musicgen/triton-client';
import type { GenerationBackend } from './generation-backend.js';

/** One endpoint of an {@link EndpointPool}: its address and the client calls used on it. */
export interface PoolMember {
  readonly address: string;
  generateWindow(request: GenerateWindowRequest): Promise<Codes>;
  decode(codes: Codes, options?: DecodeOptions): Promise<Float32Array>;
}

/** How long an endpoint that just failed is passed over while another is available. */
export const FAILED_ENDPOINT_COOLDOWN_MS = 5_000;

interface MemberState {
  readonly member: PoolMember;
  outstanding: number;
  failedAt: number;
}

/**
 * Spreads calls over several endpoints: each call goes to the endpoint with the least outstanding work,
 * passing over endpoints that failed in the last {@link FAILED_ENDPOINT_COOLDOWN_MS} while a healthy
 * one exists (so a dead pod is dropped and taken back once it answers again).
 *
 * @example
 * ```ts
 * const pool = new EndpointPool([{ address: 'gpu1:8001', ...musicgen1 }, { address: 'gpu2:8001', ...musicgen2 }]);
 * await pool.generateWindow({ text: 'rain', frames: 500 });
 * ```
 */
export class EndpointPool implements GenerationBackend {
  readonly endpoints: readonly string[];
  readonly #members: MemberState[];
  readonly #now: () => number;

  constructor(members: readonly PoolMember[], now: () => number = () => performance.now()) {
    if (members.length === 0)
      throw new RangeError('Cannot create an endpoint pool: give at least one endpoint: got 0');
    this.#members = members.map((member) => ({ member, outstanding: 0, failedAt: Number.NEGATIVE_INFINITY }));
    this.endpoints = members.map((m) => m.address);
    this.#now = now;
  }

  generateWindow(request: GenerateWindowRequest): Promise<Codes> {
    return this.#call((m) => m.generateWindow(request));
  }

  decode(codes: Codes, options?: DecodeOptions): Promise<Float32Array> {
    return this.#call((m) => m.decode(codes, options));
  }

  /** The member the next call goes to. */
  pick(): PoolMember {
    return this.#pickState().member;
  }

  #pickState(): MemberState {
    const now = this.#now();
    const healthy = this.#members.filter((s) => now - s.failedAt >= FAILED_ENDPOINT_COOLDOWN_MS);
    const candidates = healthy.length > 0 ? healthy : this.#members;
    return candidates.reduce((best, s) => (s.outstanding < best.outstanding ? s : best));
  }

  async #call<T>(call: (member: PoolMember) => Promise<T>): Promise<T> {
    const state = this.#pickState();
    state.outstanding += 1;
    try {
      return await call(state.member);
    } catch (error) {
      if (!(error instanceof Error && error.name === 'AbortError')) state.failedAt = this.#now();
      throw error;
    } finally {
      state.outstanding -= 1;
    }
  }
}
