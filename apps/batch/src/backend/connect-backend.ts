import { ENCODEC_DECODE, MUSICGEN_LM, type ServerFacts } from '@musicgen/contract';
import {
  MusicgenClient,
  TritonClient,
  TritonError,
  type GenerateWindowRequest,
} from '@musicgen/triton-client';
import { ConfigError } from '../config/config-error.js';
import { EndpointPool, type EndpointLoad } from './endpoint-pool.js';
import type { GenerationBackend } from './generation-backend.js';

/** Windows in flight per endpoint when the server publishes no capacity (a deployment older than contract v1.1). */
export const DEFAULT_WINDOWS_PER_ENDPOINT = 16;
/** Model-config parameter of `musicgen_lm` giving how many requests it batches at once (when not `auto`). */
export const MAX_CONCURRENT_REQUESTS_PARAMETER = 'max_concurrent_requests';
/** Deadline of each check made while connecting, in ms. */
const CONNECT_DEADLINE_MS = 10_000;
/**
 * A window on a server of contract v1.2 fails when the server sends nothing for this many of its
 * liveness intervals (2 s as shipped: 10 s), and never sooner than {@link LIVENESS_TIMEOUT_FLOOR_MS}.
 */
export const LIVENESS_MISSES = 5;
export const LIVENESS_TIMEOUT_FLOOR_MS = 1_000;

/**
 * How long a window on a server may go without any response before it fails: undefined for a server
 * that publishes no liveness interval (older than contract v1.2), whose silence means nothing.
 *
 * @example
 * ```ts
 * livenessTimeoutMs(facts); // 10 000 for a server that answers at least every 2 000 ms
 * ```
 */
export function livenessTimeoutMs(facts: ServerFacts | undefined): number | undefined {
  const interval = facts?.lm?.livenessIntervalMs;
  return interval === undefined ? undefined : Math.max(LIVENESS_TIMEOUT_FLOOR_MS, LIVENESS_MISSES * interval);
}

/** One endpoint as it described itself while connecting. */
export interface EndpointInfo {
  readonly address: string;
  /** True when its `musicgen_lm` reports platform `preview` (the local synthesiser). */
  readonly preview: boolean;
  /** What the server published about its models, or undefined when it publishes nothing. */
  readonly facts: ServerFacts | undefined;
  /** Requests its `musicgen_lm` runs at once, and where that number came from. */
  readonly capacity: number;
  readonly capacitySource: 'facts' | 'config' | 'fallback';
}

/** A backend ready to use, with what the servers said about themselves. */
export interface ConnectedBackend {
  readonly backend: GenerationBackend;
  /** True when an endpoint's `musicgen_lm` reports platform `preview` (the local synthesiser). */
  readonly preview: boolean;
  /** Every endpoint, in the order given. */
  readonly endpoints: readonly EndpointInfo[];
  /** Windows in flight at each endpoint against its slots, now and over the run. */
  load(): EndpointLoad[];
  /** Closes every client (cancelling requests still in flight). */
  close(): void;
}

/**
 * Connects to every endpoint and checks it before any work: server live, both models loaded and
 * ready. Reads each server's facts (`musicgen_info`: what it serves and how many requests it runs at
 * once), falling back to `musicgen_lm`'s `max_concurrent_requests` config parameter and then to
 * {@link DEFAULT_WINDOWS_PER_ENDPOINT} for older deployments. Windows on a server that publishes a
 * liveness interval (contract v1.2) fail after {@link livenessTimeoutMs} of silence, so a frozen
 * server costs a window seconds, and the pool retries it on another endpoint.
 *
 * @example
 * ```ts
 * const { backend, endpoints, load, close } = await connectBackend(['127.0.0.1:8001']);
 * ```
 *
 * @throws {ConfigError} naming the endpoint and what is wrong with it.
 */
export async function connectBackend(addresses: readonly string[]): Promise<ConnectedBackend> {
  const clients = addresses.map((address) => new TritonClient({ address, deadlineMs: CONNECT_DEADLINE_MS }));
  const close = () => clients.forEach((c) => c.close());
  try {
    const endpoints = await Promise.all(clients.map((client) => inspect(client)));
    const members = clients.map((client, index) => {
      const musicgen = new MusicgenClient({ client });
      const endpoint = endpoints[index] as EndpointInfo;
      const liveness = livenessTimeoutMs(endpoint.facts);
      // A server that keeps requests alive needs no overall deadline: silence and the generation
      // deadline catch a dead one, and a long wait in a shared server's queue is not a failure.
      const watch = liveness === undefined ? {} : { livenessTimeoutMs: liveness, deadlineMs: 0 };
      return {
        address: client.address,
        capacity: endpoint.capacity,
        generateWindow: (request: GenerateWindowRequest) => musicgen.generateWindow({ ...watch, ...request }),
        decode: musicgen.decode.bind(musicgen),
      };
    });
    const pool = new EndpointPool(members);
    return {
      backend: pool,
      preview: endpoints.some((e) => e.preview),
      endpoints,
      load: () => pool.load(),
      close,
    };
  } catch (error) {
    close();
    throw error;
  }
}

function reason(error: unknown): string {
  return error instanceof TritonError
    ? error.details
    : error instanceof Error
      ? error.message
      : String(error);
}

async function inspect(client: TritonClient): Promise<EndpointInfo> {
  const where = `Triton at ${client.address}`;
  try {
    await client.serverLive();
  } catch (error) {
    throw new ConfigError(
      `Cannot reach ${where}: ${reason(error)} (check TRITON_URL / --triton and the SSH tunnel)`,
    );
  }
  for (const model of [MUSICGEN_LM, ENCODEC_DECODE]) await checkModel(client, where, model);
  const metadata = await client.modelMetadata(MUSICGEN_LM);
  let facts: ServerFacts | undefined;
  try {
    facts = await new MusicgenClient({ client }).facts();
  } catch (error) {
    throw new ConfigError(`Cannot use ${where}: its musicgen_info answer is not usable: ${reason(error)}`);
  }
  const address = client.address;
  const preview = metadata.platform === 'preview';
  if (facts?.lm !== undefined) {
    return { address, preview, facts, capacity: facts.lm.maxConcurrentRequests, capacitySource: 'facts' };
  }
  const config = await client.modelConfig(MUSICGEN_LM);
  const published = Number(config.parameters?.[MAX_CONCURRENT_REQUESTS_PARAMETER]?.string_value);
  if (Number.isSafeInteger(published) && published > 0) {
    return { address, preview, facts, capacity: published, capacitySource: 'config' };
  }
  return { address, preview, facts, capacity: DEFAULT_WINDOWS_PER_ENDPOINT, capacitySource: 'fallback' };
}

async function checkModel(client: TritonClient, where: string, model: string): Promise<void> {
  let ready = false;
  try {
    ready = await client.modelReady(model);
  } catch (error) {
    throw new ConfigError(`Cannot use ${where}: model '${model}' is not available: ${reason(error)}`);
  }
  if (ready) return;
  let known = true;
  try {
    await client.modelMetadata(model);
  } catch (error) {
    known = !(error instanceof TritonError && /unknown model|not found/i.test(error.details));
  }
  throw new ConfigError(
    known
      ? `Cannot use ${where}: model '${model}' is loaded but not ready (still loading, or it failed: see the Triton log)`
      : `Cannot use ${where}: model '${model}' is not loaded in this repository (serve infra/triton/model_repository, which has it, and restart Triton)`,
  );
}
