import { ENCODEC_DECODE, MUSICGEN_LM } from '@musicgen/contract';
import { MusicgenClient, TritonClient } from '@musicgen/triton-client';
import { ConfigError } from '../config/config-error.js';
import { EndpointPool } from './endpoint-pool.js';
import type { GenerationBackend } from './generation-backend.js';

/** Windows in flight per endpoint when the server does not publish `max_concurrent_requests`. */
export const DEFAULT_WINDOWS_PER_ENDPOINT = 16;
/** Model-config parameter of `musicgen_lm` giving how many requests it batches at once. */
export const MAX_CONCURRENT_REQUESTS_PARAMETER = 'max_concurrent_requests';
/** Deadline of each check made while connecting, in ms. */
const CONNECT_DEADLINE_MS = 10_000;

/** A backend ready to use, with what the servers said about themselves. */
export interface ConnectedBackend {
  readonly backend: GenerationBackend;
  /** True when an endpoint's `musicgen_lm` reports platform `preview` (the local synthesiser). */
  readonly preview: boolean;
  /** Sum over endpoints of `max_concurrent_requests` (or {@link DEFAULT_WINDOWS_PER_ENDPOINT} each). */
  readonly suggestedConcurrency: number;
  /** Closes every client (cancelling requests still in flight). */
  close(): void;
}

/**
 * Connects to every endpoint and checks it before any work: server live, both models ready. Reads the
 * `musicgen_lm` metadata (platform) and config (`max_concurrent_requests`).
 *
 * @example
 * ```ts
 * const { backend, suggestedConcurrency, close } = await connectBackend(['127.0.0.1:8001']);
 * ```
 *
 * @throws {ConfigError} naming the endpoint and what is wrong with it.
 */
export async function connectBackend(addresses: readonly string[]): Promise<ConnectedBackend> {
  const clients = addresses.map((address) => new TritonClient({ address, deadlineMs: CONNECT_DEADLINE_MS }));
  const close = () => clients.forEach((c) => c.close());
  try {
    const infos = await Promise.all(clients.map((client) => inspect(client)));
    const members = clients.map((client) => {
      const musicgen = new MusicgenClient({ client });
      return {
        address: client.address,
        generateWindow: musicgen.generateWindow.bind(musicgen),
        decode: musicgen.decode.bind(musicgen),
      };
    });
    return {
      backend: new EndpointPool(members),
      preview: infos.some((i) => i.preview),
      suggestedConcurrency: infos.reduce((sum, i) => sum + i.concurrency, 0),
      close,
    };
  } catch (error) {
    close();
    throw error;
  }
}

async function inspect(client: TritonClient): Promise<{ preview: boolean; concurrency: number }> {
  const where = `Triton at ${client.address}`;
  const reason = (error: unknown) =>
    error instanceof Error ? (error as { details?: string }).details || error.message : String(error);
  try {
    await client.serverLive();
  } catch (error) {
    throw new ConfigError(
      `Cannot reach ${where}: ${reason(error)} (check TRITON_URL / --triton and the SSH tunnel)`,
    );
  }
  for (const model of [MUSICGEN_LM, ENCODEC_DECODE]) {
    let ready = false;
    try {
      ready = await client.modelReady(model);
    } catch (error) {
      throw new ConfigError(`Cannot use ${where}: model '${model}' is not available: ${reason(error)}`);
    }
    if (!ready) throw new ConfigError(`Cannot use ${where}: model '${model}' is not ready: got ready=false`);
  }
  const metadata = await client.modelMetadata(MUSICGEN_LM);
  const config = await client.modelConfig(MUSICGEN_LM);
  const published = Number(config.parameters?.[MAX_CONCURRENT_REQUESTS_PARAMETER]?.string_value);
  return {
    preview: metadata.platform === 'preview',
    concurrency: Number.isSafeInteger(published) && published > 0 ? published : DEFAULT_WINDOWS_PER_ENDPOINT,
  };
}
