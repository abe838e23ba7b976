import { ENCODEC_DECODE, MUSICGEN_LM, type ServerFacts } from '@musicgen/contract';
import { MusicgenClient, TritonClient, TritonError } from '@musicgen/triton-client';
import { ConfigError } from '../config/config-error.js';
import { EndpointPool, type EndpointLoad } from './endpoint-pool.js';
import type { GenerationBackend } from './generation-backend.js';

/** Windows in flight per endpoint when the server publishes no capacity (a deployment older than contract v1.1). */
export const DEFAULT_WINDOWS_PER_ENDPOINT = 16;
/** Model-config parameter of `musicgen_lm` giving how many requests it batches at once (when not `auto`). */
export const MAX_CONCURRENT_REQUESTS_PARAMETER = 'max_concurrent_requests';
/** Deadline of each check made while connecting, in ms. */
const CONNECT_DEADLINE_MS = 10_000;

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
 * {@link DEFAULT_WINDOWS_PER_ENDPOINT} for older deployments.
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
      return {
        address: client.address,
        capacity: (endpoints[index] as EndpointInfo).capacity,
        generateWindow: musicgen.generateWindow.bind(musicgen),
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
