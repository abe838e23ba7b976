import { describe, expect, it } from 'vitest';
import {
  checkKnownHosts,
  fingerprintOf,
  formatKnownHostsLine,
  hostsFieldMatches,
  keyTypeOf,
  knownHostsName,
  parseKnownHosts,
} from './host-key.js';

// Two throwaway public keys and the fingerprints `ssh-keygen -lf` printed for them.
const KEY1 = 'AAAAC3NzaC1lZDI1NTE5AAAAIP3hcnFnq+VQItBbq4x83CI/ZxH4vfY3X/aEVyuwGMrj';
const KEY2 = 'AAAAC3NzaC1lZDI1NTE5AAAAIICpDI92rOs3qu5aisCORUAcPM7orhJ/WYNNSwalKeDu';
const FP1 = 'SHA256:XIc90dMuLyg5pUuVgOGyJvTxMgJxqD5jpGNh9FCgbJM';
const FP2 = 'SHA256:IG3+Y7qoTI48aXPjP/0ZYtB6qFlywsGDIuhSTqSWoVQ';
const blob1 = Buffer.from(KEY1, 'base64');
const blob2 = Buffer.from(KEY2, 'base64');
// `ssh-keygen -H` output for `[pod.example]:22044` and `plain.example`, both with KEY1.
const HASHED_PORT = '|1|7G0ENzHxuWI8DbF92gywG8YhZ3o=|bRlB/dc+V11RSpwiRnDZ2F9WOGA=';
const HASHED_PLAIN = '|1|WwNNAe6OASDGCmRuyeeZVlbccBU=|PopgbXx1bAayRmjV59e+ZQ/jDgc=';

describe('fingerprintOf', () => {
  it('matches ssh-keygen -lf', () => {
    expect(fingerprintOf(blob1)).toBe(FP1);
    expect(fingerprintOf(blob2)).toBe(FP2);
  });
  it('reads the key type from the blob', () => {
    expect(keyTypeOf(blob1)).toBe('ssh-ed25519');
    expect(keyTypeOf(new Uint8Array([0, 0]))).toBe('unknown');
  });
});

describe('known_hosts', () => {
  it('names hosts as OpenSSH does', () => {
    expect(knownHostsName('pod.example', 22)).toBe('pod.example');
    expect(knownHostsName('pod.example', 22044)).toBe('[pod.example]:22044');
  });

  it('parses entries, markers and skips junk', () => {
    const text = [
      '# comment',
      '',
      `pod.example ssh-ed25519 ${KEY1} me@laptop`,
      `@revoked * ssh-ed25519 ${KEY2}`,
      `@cert-authority *.example ssh-ed25519 ${KEY2}`,
      '@unknown-marker x ssh-ed25519 AAAA',
      'too-short ssh-ed25519',
      'bad-base64 ssh-ed25519 !!!',
    ].join('\r\n');
    expect(parseKnownHosts(text)).toEqual([
      { marker: undefined, hosts: 'pod.example', keyType: 'ssh-ed25519', keyBlob: blob1, line: 3 },
      { marker: 'revoked', hosts: '*', keyType: 'ssh-ed25519', keyBlob: blob2, line: 4 },
      { marker: 'cert-authority', hosts: '*.example', keyType: 'ssh-ed25519', keyBlob: blob2, line: 5 },
    ]);
  });

  it.each([
    ['pod.example', 'pod.example', true],
    ['POD.example', 'pod.example', true],
    ['a.example,pod.example', 'pod.example', true],
    ['*.example', 'pod.example', true],
    ['*.example,!pod.example', 'pod.example', false],
    ['po?.example', 'pod.example', true],
    ['[pod.example]:22044', '[pod.example]:22044', true],
    ['pod.example', '[pod.example]:22044', false],
    [HASHED_PORT, '[pod.example]:22044', true],
    [HASHED_PORT, 'pod.example', false],
    [HASHED_PLAIN, 'plain.example', true],
    ['|1|broken', 'plain.example', false],
  ])('host field %s vs %s: %s', (field, name, expected) => {
    expect(hostsFieldMatches(field, name)).toBe(expected);
  });

  it('gives known, changed (with the expected fingerprints), unknown and revoked', () => {
    const entries = parseKnownHosts(
      [`${HASHED_PORT} ssh-ed25519 ${KEY1}`, `other.example ssh-ed25519 ${KEY2}`].join('\n'),
    );
    expect(checkKnownHosts(entries, 'pod.example', 22044, blob1)).toEqual({ status: 'known' });
    expect(checkKnownHosts(entries, 'pod.example', 22044, blob2)).toEqual({
      status: 'changed',
      expected: [FP1],
    });
    expect(checkKnownHosts(entries, 'pod.example', 22, blob1)).toEqual({ status: 'unknown' });
    const revoked = parseKnownHosts(`@revoked * ssh-ed25519 ${KEY1}\npod.example ssh-ed25519 ${KEY1}`);
    expect(checkKnownHosts(revoked, 'pod.example', 22, blob1)).toEqual({ status: 'revoked' });
  });

  it('formats a line that it then recognises', () => {
    const line = formatKnownHostsLine('203.0.113.7', 22044, blob1);
    expect(line).toBe(`[203.0.113.7]:22044 ssh-ed25519 ${KEY1}`);
    expect(checkKnownHosts(parseKnownHosts(line), '203.0.113.7', 22044, blob1)).toEqual({ status: 'known' });
  });
});
