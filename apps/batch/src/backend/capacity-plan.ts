/** One endpoint and the requests its `musicgen_lm` runs at once. */
export interface EndpointCapacity {
  readonly address: string;
  readonly capacity: number;
}

/** How many windows the run keeps in flight, and what it tells the user about it. */
export interface CapacityPlan {
  /** Windows in flight over all endpoints. */
  readonly concurrency: number;
  /** Slots over all endpoints. */
  readonly slots: number;
  /** Lines to show before the run when it cannot keep the servers full. */
  readonly warnings: readonly string[];
}

/**
 * Windows kept waiting at an endpoint beyond its slots, so that a slot freed at a step boundary is
 * refilled from the server's own queue at once instead of after a round trip: an eighth of the slots,
 * at least one.
 *
 * @example
 * ```ts
 * queueMargin(40); // 5
 * ```
 */
export function queueMargin(slots: number): number {
  return Math.max(1, Math.ceil(slots / 8));
}

/**
 * Sizes the run: by default every endpoint's slots plus its {@link queueMargin}; `--concurrency`
 * overrides it. Warns when the run cannot fill the slots: fewer jobs than slots (a job has one window
 * in flight at a time), or a `--concurrency` below the slots.
 *
 * @example
 * ```ts
 * planCapacity([{ address: 'a:8001', capacity: 40 }, { address: 'b:8001', capacity: 64 }], undefined, 500);
 * // { concurrency: 117, slots: 104, warnings: [] }
 * ```
 */
export function planCapacity(
  endpoints: readonly EndpointCapacity[],
  requested: number | undefined,
  jobs: number,
): CapacityPlan {
  const slots = endpoints.reduce((sum, e) => sum + e.capacity, 0);
  const concurrency =
    requested ?? endpoints.reduce((sum, e) => sum + e.capacity + queueMargin(e.capacity), 0);
  const warnings: string[] = [];
  if (requested !== undefined && requested < slots) {
    warnings.push(
      `Warning: --concurrency ${requested} keeps fewer windows in flight than the ${slots} requests ` +
        `the server${endpoints.length > 1 ? 's' : ''} can run at once: part of the GPU will idle`,
    );
  }
  if (jobs > 0 && jobs < slots) {
    warnings.push(
      `Warning: ${jobs} job${jobs === 1 ? '' : 's'} cannot fill the ${slots} requests the server` +
        `${endpoints.length > 1 ? 's' : ''} can run at once (a job has one window in flight at a time)`,
    );
  }
  return { concurrency, slots, warnings };
}
