import { ENCODEC_DECODE, MUSICGEN_LM, type ServerFacts } from '@musicgen/contract';
import { sleep } from '@musicgen/ssh';
import {
  MusicgenClient,
  TritonClient,
  TritonError,
  type GenerateWindowRequest,
} from '@musicgen/triton-client';
import { ConfigError } from '../config/config-error.js';
import { EndpointPool, type EndpointLoad } from './endpoint-pool.js';
import { joinHostPort, systemResolver, type AddressResolver } from './resolve-addresses.js';
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
  /** The `dns:///` name it is an address of; absent for an endpoint given as `host:port`. */
  readonly source?: string;
}

/** A backend ready to use, with what the servers said about themselves. */
export interface ConnectedBackend {
  readonly backend: GenerationBackend;
  /** True when an endpoint's `musicgen_lm` reports platform `preview` (the local synthesiser). */
  readonly preview: boolean;
  /**
   * Every endpoint used so far, in the order they joined (those given first, in the order given);
   * endpoints of a `dns:///` name that left are still listed. Same order as {@link load}.
   */
  readonly endpoints: readonly EndpointInfo[];
  /** Endpoints taking new work now. */
  live(): EndpointInfo[];
  /** Windows in flight at each endpoint against its slots, now and over the run. */
  load(): EndpointLoad[];
  /** Calls `listener` whenever an endpoint joins or leaves; returns what removes it. */
  onChange(listener: () => void): () => void;
  /** Closes every client (cancelling requests still in flight) and stops resolving names. */
  close(): void;
}

/** The scheme of an endpoint name whose every address is an endpoint: `dns:///host:port`. */
export const DNS_SCHEME = 'dns:///';
/** How often `dns:///` names are resolved again by default, in ms. */
export const DEFAULT_DNS_REFRESH_MS = 10_000;
/** How long the start waits by default for a `dns:///` name to resolve to a ready server, in ms. */
export const DEFAULT_ENDPOINT_WAIT_MS = 600_000;

/** Options of {@link connectBackend}; every one has a default. */
export interface ConnectOptions {
  /** Resolves `dns:///` names. Default: the system's resolver. */
  readonly resolver?: AddressResolver;
  /** How often `dns:///` names are resolved again, in ms. Default {@link DEFAULT_DNS_REFRESH_MS}. */
  readonly refreshMs?: number;
  /** How long to wait at the start for a `dns:///` name to resolve to a ready server, in ms. */
  readonly waitMs?: number;
  /** One line each time an endpoint joins or leaves, or a name resolves to nothing yet. */
  readonly notify?: (line: string) => void;
  /** Aborts the wait at the start. */
  readonly signal?: AbortSignal;
}

interface DnsName {
  readonly spec: string;
  readonly host: string;
  readonly port: number;
}

function parseDnsName(spec: string): DnsName | undefined {
  if (!spec.startsWith(DNS_SCHEME)) return undefined;
  const rest = spec.slice(DNS_SCHEME.length);
  const colon = rest.lastIndexOf(':');
  return { spec, host: rest.slice(0, colon), port: Number(rest.slice(colon + 1)) };
}

/**
 * Connects to every endpoint and checks it before any work: server live, both models loaded and
 * ready. Reads each server's facts (`musicgen_info`: what it serves and how many requests it runs at
 * once), falling back to `musicgen_lm`'s `max_concurrent_requests` config parameter and then to
 * {@link DEFAULT_WINDOWS_PER_ENDPOINT} for older deployments. Windows on a server that publishes a
 * liveness interval (contract v1.2) fail after {@link livenessTimeoutMs} of silence, so a frozen
 * server costs a window seconds, and the pool retries it on another endpoint.
 *
 * An endpoint `dns:///host:port` stands for every address the name resolves to (a Kubernetes headless
 * Service: one per ready replica). The start waits up to `waitMs` for it to resolve to at least one
 * server that passes the checks; then it is resolved again every `refreshMs`: a new address is checked
 * and joins the pool, an address gone from the answer leaves it (its windows in flight finish first).
 *
 * @example
 * ```ts
 * const { backend, endpoints, load, close } = await connectBackend(['127.0.0.1:8001']);
 * const cluster = await connectBackend(['dns:///musicgen-triton.music.svc:8001']);
 * ```
 *
 * @throws {ConfigError} naming the endpoint and what is wrong with it.
 */
export async function connectBackend(
  specs: readonly string[],
  options: ConnectOptions = {},
): Promise<ConnectedBackend> {
  const {
    resolver = systemResolver(),
    refreshMs = DEFAULT_DNS_REFRESH_MS,
    waitMs = DEFAULT_ENDPOINT_WAIT_MS,
    notify = () => undefined,
    signal,
  } = options;
  const pool = new EndpointPool([], undefined, { allowEmpty: true });
  const infos: EndpointInfo[] = [];
  /** The client of each address taking calls (or finishing them after it left). */
  const clients = new Map<string, TritonClient>();
  /** Every client made, closed by {@link ConnectedBackend.close} whatever became of its address. */
  const everyClient = new Set<TritonClient>();
  const joining = new Set<string>();
  const listeners = new Set<() => void>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const inspectAddress = async (address: string): Promise<{ client: TritonClient; info: EndpointInfo }> => {
    const client = new TritonClient({ address, deadlineMs: CONNECT_DEADLINE_MS });
    try {
      return { client, info: await inspect(client) };
    } catch (error) {
      client.close();
      throw error;
    }
  };
  const join = ({ client, info }: { client: TritonClient; info: EndpointInfo }, source?: string) => {
    const musicgen = new MusicgenClient({ client });
    const liveness = livenessTimeoutMs(info.facts);
    // A server that keeps requests alive needs no overall deadline: silence and the generation
    // deadline catch a dead one, and a long wait in a shared server's queue is not a failure.
    const watch = liveness === undefined ? {} : { livenessTimeoutMs: liveness, deadlineMs: 0 };
    pool.add({
      address: client.address,
      capacity: info.capacity,
      generateWindow: (request: GenerateWindowRequest) => musicgen.generateWindow({ ...watch, ...request }),
      decode: musicgen.decode.bind(musicgen),
    });
    infos.push(source === undefined ? info : { ...info, source });
    clients.set(client.address, client);
    everyClient.add(client);
  };
  const changed = () => listeners.forEach((listener) => listener());
  const close = () => {
    closed = true;
    if (timer) clearInterval(timer);
    everyClient.forEach((c) => c.close());
    clients.clear();
  };

  const names = specs.map(parseDnsName);
  try {
    const fixed = await Promise.all(specs.map((spec, i) => (names[i] ? undefined : inspectAddress(spec))));
    for (const endpoint of fixed) if (endpoint) join(endpoint);
    for (const name of names) if (name) await joinName(name);
  } catch (error) {
    close();
    throw error;
  }

  async function resolveName(name: DnsName): Promise<string[]> {
    const addresses = await resolver(name.host);
    return addresses.map((a) => joinHostPort(a, name.port));
  }

  /** At the start: waits until the name resolves to at least one server that passes the checks. */
  async function joinName(name: DnsName): Promise<void> {
    const began = Date.now();
    let problem = 'it resolves to no address';
    for (let attempt = 0; ; attempt++) {
      let addresses: string[] = [];
      try {
        addresses = await resolveName(name);
      } catch (error) {
        problem = `resolving ${name.host} failed: ${reason(error)}`;
      }
      const results = await Promise.allSettled(addresses.map((address) => inspectAddress(address)));
      const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      for (const endpoint of ok) join(endpoint, name.spec);
      if (ok.length > 0) {
        for (const [i, r] of results.entries()) {
          if (r.status === 'rejected')
            notify(`Note: ${addresses[i]} of ${name.spec} is left out for now: ${reason(r.reason)}`);
        }
        return;
      }
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) problem = reason((failed as PromiseRejectedResult).reason);
      const waited = Date.now() - began;
      if (waited >= waitMs) {
        throw new ConfigError(
          `Cannot reach Triton at ${name.spec} as no server answered there within ${Number((waitMs / 1000).toFixed(1))} s (${problem}): check the name and that a replica is ready`,
        );
      }
      if (attempt === 0 || Math.floor(waited / 60_000) > Math.floor((waited - refreshMs) / 60_000)) {
        notify(
          `Waiting for a Triton server at ${name.spec} (${problem}); waited ${Math.round(waited / 1000)} s`,
        );
      }
      await sleep(Math.min(refreshMs, Math.max(0, waitMs - waited)), signal);
    }
  }

  /** Later: new addresses join, vanished ones leave. */
  async function refreshName(name: DnsName): Promise<void> {
    let addresses: string[];
    try {
      addresses = await resolveName(name);
    } catch (error) {
      notify(
        `Note: resolving ${name.host} failed (${reason(error)}); keeping its ${pool.endpoints.length} endpoints`,
      );
      return;
    }
    if (closed) return;
    const now = new Set(addresses);
    const mine = (address: string) => infos.some((i) => i.address === address && i.source === name.spec);
    for (const address of pool.endpoints) {
      if (!now.has(address) && mine(address)) {
        notify(`Triton ${address} left ${name.spec}; its windows in flight finish first`);
        // This client, not whatever holds the address by then: it may have come back meanwhile.
        const client = clients.get(address);
        void pool.retire(address).then(() => {
          client?.close();
          if (clients.get(address) === client) clients.delete(address);
        });
        changed();
      }
    }
    for (const address of addresses) {
      if (pool.endpoints.includes(address) || joining.has(address)) continue;
      joining.add(address);
      inspectAddress(address)
        .then((endpoint) => {
          if (closed) return endpoint.client.close();
          join(endpoint, name.spec);
          notify(
            `Triton ${address} joined ${name.spec}: ${endpoint.info.capacity} slots, ${pool.endpoints.length} endpoints now`,
          );
          changed();
        })
        .catch((error: unknown) =>
          notify(`Note: ${address} of ${name.spec} is left out for now: ${reason(error)}`),
        )
        .finally(() => joining.delete(address));
    }
  }

  const dnsNames = names.filter((n): n is DnsName => n !== undefined);
  if (dnsNames.length > 0) {
    timer = setInterval(() => dnsNames.forEach((name) => void refreshName(name)), refreshMs);
    timer.unref();
  }
  return {
    backend: pool,
    get preview() {
      return infos.some((e) => e.preview);
    },
    get endpoints() {
      return [...infos];
    },
    live: () => infos.filter((i) => pool.endpoints.includes(i.address)).filter(uniqueAddress()),
    load: () => pool.load(),
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close,
  };
}

/** Keeps the last entry of each address (an address that left and came back is listed twice). */
function uniqueAddress(): (info: EndpointInfo, index: number, all: EndpointInfo[]) => boolean {
  return (info, index, all) => all.findLastIndex((i) => i.address === info.address) === index;
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
