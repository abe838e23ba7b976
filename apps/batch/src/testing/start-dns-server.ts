import { createSocket } from 'node:dgram';

/** A DNS server for tests: answers A queries from a table the test changes while it runs. */
export interface TestDnsServer {
  /** `127.0.0.1:port`, for `MUSICGEN_DNS_SERVER` or `Resolver.setServers`. */
  readonly address: string;
  /** Sets the IPv4 addresses a name resolves to ([] answers no records; unknown names are NXDOMAIN). */
  set(name: string, addresses: readonly string[]): void;
  /** Queries answered so far, per name. */
  queries(name: string): number;
  close(): Promise<void>;
}

const TYPE_A = 1;

function readName(message: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let at = offset;
  for (;;) {
    const length = message[at] ?? 0;
    if (length === 0) return { name: labels.join('.').toLowerCase(), end: at + 1 };
    labels.push(message.toString('ascii', at + 1, at + 1 + length));
    at += 1 + length;
  }
}

/**
 * Starts a UDP DNS server on 127.0.0.1 (a free port) that answers one question per query: A records
 * from its table with TTL 0, no record for other types, NXDOMAIN for names it does not know. Just
 * enough of RFC 1035 for Node's resolver.
 *
 * @example
 * ```ts
 * const dns = await startDnsServer();
 * dns.set('engines.test', ['127.0.0.2', '127.0.0.3']);
 * ```
 */
export async function startDnsServer(): Promise<TestDnsServer> {
  const table = new Map<string, string[]>();
  const counts = new Map<string, number>();
  const socket = createSocket('udp4');
  socket.on('message', (query, peer) => {
    if (query.length < 12) return;
    const { name, end } = readName(query, 12);
    const type = query.readUInt16BE(end);
    counts.set(name, (counts.get(name) ?? 0) + 1);
    const known = table.get(name);
    const answers = known && type === TYPE_A ? known : [];
    const question = query.subarray(12, end + 4);
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0); // id
    header.writeUInt16BE(0x8180 | (known ? 0 : 3), 2); // response, recursion desired and available; NXDOMAIN
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const records = answers.map((address) => {
      const record = Buffer.alloc(16);
      record.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
      record.writeUInt16BE(TYPE_A, 2);
      record.writeUInt16BE(1, 4); // class IN
      record.writeUInt32BE(0, 6); // TTL 0: ask again every time
      record.writeUInt16BE(4, 10);
      address.split('.').forEach((octet, i) => record.writeUInt8(Number(octet), 12 + i));
      return record;
    });
    socket.send(Buffer.concat([header, question, ...records]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    set: (name, addresses) => table.set(name.toLowerCase(), [...addresses]),
    queries: (name) => counts.get(name.toLowerCase()) ?? 0,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
