import { createHash, createHmac } from 'node:crypto';

/**
 * The fingerprint OpenSSH prints for a public key blob (the SSH wire format, as in `known_hosts`):
 * `SHA256:` and the unpadded base64 of its SHA-256.
 *
 * @example
 * ```ts
 * fingerprintOf(Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAI...', 'base64')); // 'SHA256:+Lm9...'
 * ```
 */
export function fingerprintOf(keyBlob: Uint8Array): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

/** The key type written inside a public key blob (`ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`...). */
export function keyTypeOf(keyBlob: Uint8Array): string {
  const buffer = Buffer.from(keyBlob);
  if (buffer.length < 4) return 'unknown';
  const length = buffer.readUInt32BE(0);
  return buffer.subarray(4, 4 + length).toString('latin1');
}

/** The name a host has in `known_hosts`: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** One usable line of a `known_hosts` file. */
export interface KnownHostsEntry {
  readonly marker: 'revoked' | 'cert-authority' | undefined;
  /** The host field as written: patterns separated by commas, or one hashed name `|1|salt|hash`. */
  readonly hosts: string;
  readonly keyType: string;
  readonly keyBlob: Buffer;
  /** 1-based line number, for messages. */
  readonly line: number;
}

/**
 * Parses the text of a `known_hosts` file. Comments, blank lines and lines that are not
 * `[marker] hosts keytype base64 [comment]` are skipped, as OpenSSH does.
 */
export function parseKnownHosts(text: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return;
    let marker: KnownHostsEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
      fields.shift();
    } else if (fields[0].startsWith('@')) return;
    const [hosts, keyType, base64] = fields;
    if (hosts === undefined || keyType === undefined || base64 === undefined) return;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return;
    entries.push({ marker, hosts, keyType, keyBlob: Buffer.from(base64, 'base64'), line: index + 1 });
  });
  return entries;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** Whether a `known_hosts` host field names `name` (`host` or `[host]:port`), hashed or not. */
export function hostsFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (salt === undefined || hash === undefined) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  let matched = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    if (globToRegExp(negated ? pattern.slice(1) : pattern).test(name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** What `known_hosts` says about a host and the key it offers. */
export type KnownHostsVerdict =
  | { readonly status: 'known' }
  | { readonly status: 'unknown' }
  | { readonly status: 'revoked' }
  /** The host is listed with other keys; `expected` are their fingerprints. */
  | { readonly status: 'changed'; readonly expected: readonly string[] };

/**
 * Looks a host's offered key up in parsed `known_hosts` entries, the way OpenSSH does for plain and
 * hashed names and `[host]:port` forms. `@cert-authority` lines are ignored (no certificates here).
 *
 * @example
 * ```ts
 * checkKnownHosts(parseKnownHosts(text), 'pod.example', 22022, blob); // { status: 'known' }
 * ```
 */
export function checkKnownHosts(
  entries: readonly KnownHostsEntry[],
  host: string,
  port: number,
  keyBlob: Uint8Array,
): KnownHostsVerdict {
  const name = knownHostsName(host, port);
  const offered = Buffer.from(keyBlob);
  if (entries.some((e) => e.marker === 'revoked' && e.keyBlob.equals(offered))) return { status: 'revoked' };
  const forHost = entries.filter((e) => e.marker === undefined && hostsFieldMatches(e.hosts, name));
  if (forHost.some((e) => e.keyBlob.equals(offered))) return { status: 'known' };
  if (forHost.length > 0) {
    return { status: 'changed', expected: [...new Set(forHost.map((e) => fingerprintOf(e.keyBlob)))] };
  }
  return { status: 'unknown' };
}

/** The `known_hosts` line that records `keyBlob` for a host (plain, not hashed). */
export function formatKnownHostsLine(host: string, port: number, keyBlob: Uint8Array): string {
  return `${knownHostsName(host, port)} ${keyTypeOf(keyBlob)} ${Buffer.from(keyBlob).toString('base64')}`;
}
