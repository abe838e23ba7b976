import { afterEach, describe, expect, it } from 'vitest';
import { startDnsServer, type TestDnsServer } from '../testing/start-dns-server.js';
import { dnsServerResolver, joinHostPort, resolverFromEnv, systemResolver } from './resolve-addresses.js';

const servers: TestDnsServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
async function dnsServer(): Promise<TestDnsServer> {
  const s = await startDnsServer();
  servers.push(s);
  return s;
}

describe('resolving endpoint names', () => {
  it('asks a DNS server for every address of a name, and follows its changes', async () => {
    const dns = await dnsServer();
    dns.set('engines.test', ['127.0.0.2', '127.0.0.3']);
    const resolve = dnsServerResolver([dns.address]);
    expect(await resolve('engines.test')).toEqual(['127.0.0.2', '127.0.0.3']);
    dns.set('engines.test', ['127.0.0.3', '127.0.0.4', '127.0.0.5']);
    expect(await resolve('engines.test')).toEqual(['127.0.0.3', '127.0.0.4', '127.0.0.5']);
    dns.set('engines.test', []);
    expect(await resolve('engines.test')).toEqual([]);
    expect(await resolve('unknown.test')).toEqual([]);
  });

  it('uses MUSICGEN_DNS_SERVER when set, and says what is wrong with a bad one', async () => {
    const dns = await dnsServer();
    dns.set('engines.test', ['127.0.0.9']);
    expect(await resolverFromEnv({ MUSICGEN_DNS_SERVER: dns.address })('engines.test')).toEqual([
      '127.0.0.9',
    ]);
    expect(() => resolverFromEnv({ MUSICGEN_DNS_SERVER: 'dns.example:53' })).toThrow(
      new RangeError(
        'Cannot use MUSICGEN_DNS_SERVER as it must be an IP address with an optional port (127.0.0.1:5353, [::1]:53): current value is "dns.example:53"',
      ),
    );
  });

  it("uses the system's resolver otherwise: every address, no duplicates, none for an unknown name", async () => {
    const lookup = async (name: string) => {
      if (name === 'triton.music.svc')
        return [
          { address: '10.1.0.7', family: 4 },
          { address: '10.1.0.9', family: 4 },
          { address: '10.1.0.7', family: 4 },
        ];
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    };
    const resolve = systemResolver(lookup as never);
    expect(await resolve('triton.music.svc')).toEqual(['10.1.0.7', '10.1.0.9']);
    expect(await resolve('gone.music.svc')).toEqual([]);
    expect(await systemResolver()('localhost')).toContain('127.0.0.1');
  });

  it('writes host:port with IPv6 addresses in brackets', () => {
    expect([joinHostPort('10.1.0.7', 8001), joinHostPort('fd00::7', 8001)]).toEqual([
      '10.1.0.7:8001',
      '[fd00::7]:8001',
    ]);
  });
});
