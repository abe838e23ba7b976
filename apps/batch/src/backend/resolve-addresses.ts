import { promises as dnsPromises } from 'node:dns';
import { isIP } from 'node:net';

/** Every address a host name resolves to now (IPv4 and IPv6, as text), or [] when it has none. */
export type AddressResolver = (hostname: string) => Promise<string[]>;

/** The environment variable naming a DNS server (`host:port`) for `dns:///` endpoint names. */
export const DNS_SERVER_ENV = 'MUSICGEN_DNS_SERVER';

/** Answers that mean "no address now", not a failure: the name exists without records, or not at all. */
const NO_ADDRESS = new Set(['ENODATA', 'ENOTFOUND', 'NODATA', 'NOTFOUND']);

function code(error: unknown): string {
  return (error as { code?: string }).code ?? '';
}

/**
 * The system's resolver (`getaddrinfo`: /etc/hosts, the search domains of resolv.conf, what a
 * Kubernetes pod uses), every address of the name, duplicates removed, in the order given.
 *
 * @example
 * ```ts
 * await systemResolver()('triton.music.svc'); // ['10.1.2.3', '10.1.4.7']
 * ```
 */
export function systemResolver(lookup = dnsPromises.lookup): AddressResolver {
  return async (hostname) => {
    try {
      const found = await lookup(hostname, { all: true, order: 'verbatim' });
      return [...new Set(found.map((a) => a.address))];
    } catch (error) {
      if (NO_ADDRESS.has(code(error))) return [];
      throw error;
    }
  };
}

/**
 * A resolver that asks the given DNS server(s) directly (A and AAAA records), bypassing the system's
 * configuration: for a cluster's DNS reached from outside, and for tests.
 *
 * @example
 * ```ts
 * await dnsServerResolver(['127.0.0.1:5353'])('engines.test'); // ['127.0.0.2', '127.0.0.3']
 * ```
 */
export function dnsServerResolver(servers: readonly string[]): AddressResolver {
  const resolver = new dnsPromises.Resolver({ timeout: 2_000, tries: 2 });
  resolver.setServers([...servers]);
  const records = async (query: () => Promise<string[]>) => {
    try {
      return await query();
    } catch (error) {
      if (NO_ADDRESS.has(code(error))) return [];
      throw error;
    }
  };
  return async (hostname) => {
    const [v4, v6] = await Promise.all([
      records(() => resolver.resolve4(hostname)),
      records(() => resolver.resolve6(hostname)),
    ]);
    return [...new Set([...v4, ...v6])];
  };
}

/**
 * The resolver for `dns:///` endpoints: the server named by `MUSICGEN_DNS_SERVER` (`host:port`, or a
 * host with port 53) when set, else the system's.
 *
 * @throws {RangeError} when `MUSICGEN_DNS_SERVER` is not an IP address with an optional port.
 */
export function resolverFromEnv(env: Readonly<Record<string, string | undefined>>): AddressResolver {
  const raw = env[DNS_SERVER_ENV]?.trim() ?? '';
  if (raw === '') return systemResolver();
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+))(?::(\d{1,5}))?$/.exec(raw);
  const host = match?.[1] ?? match?.[2] ?? '';
  const port = Number(match?.[3] ?? 53);
  if (!match || isIP(host) === 0 || port < 1 || port > 65535) {
    throw new RangeError(
      `Cannot use ${DNS_SERVER_ENV} as it must be an IP address with an optional port (127.0.0.1:5353, [::1]:53): current value is "${raw}"`,
    );
  }
  return dnsServerResolver([match[1] ? `[${host}]:${port}` : `${host}:${port}`]);
}

/** `host:port` for a gRPC target, with an IPv6 address in brackets. */
export function joinHostPort(address: string, port: number): string {
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}
