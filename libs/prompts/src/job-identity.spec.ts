import { describe, expect, it } from 'vitest';
import { DEFAULT_GENERATION } from './generation-parameters.js';
import { canonicalIdentity, deriveSeed, identityHash, jobKey, type JobIdentity } from './job-identity.js';

const PIANO: JobIdentity = { ...DEFAULT_GENERATION, prompt: 'calm piano', frames: 1000 };
const ZURICH: JobIdentity = {
  modelId: 'facebook/musicgen-small',
  prompt: 'Zu\u0308rich at night, 80s synth',
  frames: 1500,
  guidance: 4.5,
  topK: 0,
  topP: 0.9,
  temperature: 0.7,
  seed: 123456,
};

// Pinned values: a change here means every stored key changes. The hashes were checked with
// `printf '%s' '<canonical>' | sha256sum`.
describe('pinned keys', () => {
  it.each([
    [
      'derived seed',
      'piano',
      PIANO,
      '["musicgen-job/v1","facebook/musicgen-medium",3,250,0,1,1000,null,"calm piano"]',
      'f571f187f1624de82b2195b7f5a5cd011ce0f2ebf0c6d76c7737f3418fea1b04',
      'piano_f571f187.wav',
    ],
    [
      'explicit seed',
      'piano',
      { ...PIANO, seed: 7 },
      '["musicgen-job/v1","facebook/musicgen-medium",3,250,0,1,1000,7,"calm piano"]',
      'b2e9e63708c15668560f99bb8da4ed9600c048fcd70a21e069b5171c2c79fa0a',
      'piano_b2e9e637.wav',
    ],
    [
      'NFD prompt, every parameter set',
      'Zu\u0308rich',
      ZURICH,
      '["musicgen-job/v1","facebook/musicgen-small",4.5,0,0.9,0.7,1500,123456,"Z\u00fcrich at night, 80s synth"]',
      '099638b5db18f72121f42f9a631d0b34400576b7f9d482d5cdd2ecc3c8a40598',
      'Z\u00fcrich_099638b5.wav',
    ],
    [
      'prompt that needs escaping',
      'quote',
      { ...DEFAULT_GENERATION, prompt: 'say "hi" \\ tab\there é', frames: 50 },
      '["musicgen-job/v1","facebook/musicgen-medium",3,250,0,1,50,null,"say \\"hi\\" \\\\ tab\\there é"]',
      '5be257c7ea133b52fb85d536c72933cee607a1fdda78e34a090907f69f2577a9',
      'quote_5be257c7.wav',
    ],
  ])('%s', (_name, base, identity, canonical, hash, key) => {
    expect(canonicalIdentity(identity)).toBe(canonical);
    expect(identityHash(identity)).toBe(hash);
    expect(jobKey(base, identity)).toBe(key);
  });

  it('derives the seed from hex digits 9 to 16 of the seedless hash', () => {
    // f571f187 f1624de8 ...: 0xf1624de8 = 4049751528
    expect(deriveSeed(PIANO)).toBe(4049751528);
    expect(deriveSeed({ ...PIANO, seed: 7 })).toBe(4049751528);
  });
});

describe('key stability', () => {
  it('counts a given seed, even the derived one, but not a seed marked as derived', () => {
    const derived = deriveSeed(PIANO);
    expect(jobKey('piano', { ...PIANO, seed: derived, seedDerived: true })).toBe('piano_f571f187.wav');
    expect(jobKey('piano', { ...PIANO, seed: 12345, seedDerived: true })).toBe('piano_f571f187.wav');
    expect(canonicalIdentity({ ...PIANO, seed: 5, seedDerived: true })).toBe(canonicalIdentity(PIANO));
    expect(jobKey('piano', { ...PIANO, seed: derived })).not.toBe('piano_f571f187.wav');
    expect(jobKey('piano', { ...PIANO, seed: derived, seedDerived: false })).toBe(
      jobKey('piano', { ...PIANO, seed: derived }),
    );
  });

  it('treats NFC and NFD prompts and bases alike', () => {
    const nfc = { ...ZURICH, prompt: ZURICH.prompt.normalize('NFC') };
    expect(jobKey('Z\u00fcrich', nfc)).toBe(jobKey('Zu\u0308rich', ZURICH));
    expect(deriveSeed({ ...nfc, seed: undefined })).toBe(deriveSeed(ZURICH));
  });

  it('treats -0 like 0', () => {
    expect(jobKey('piano', { ...PIANO, topP: -0 })).toBe(jobKey('piano', PIANO));
  });

  it.each<[string, Partial<JobIdentity>]>([
    ['prompt', { prompt: 'calm piano ' }],
    ['frames', { frames: 1001 }],
    ['modelId', { modelId: 'facebook/musicgen-large' }],
    ['guidance', { guidance: 3.5 }],
    ['topK', { topK: 249 }],
    ['topP', { topP: 0.1 }],
    ['temperature', { temperature: 0.99 }],
    ['seed', { seed: 1 }],
  ])('changes the key when %s changes', (_field, change) => {
    expect(jobKey('piano', { ...PIANO, ...change })).not.toBe(jobKey('piano', PIANO));
    expect(identityHash({ ...PIANO, ...change })).not.toBe(identityHash(PIANO));
  });
});

describe('validation', () => {
  it.each<[string, () => unknown, string]>([
    [
      'a bad base',
      () => jobKey('a/b', PIANO),
      'Cannot compute job key: base must be a plain name without / or \\ (path separators): got "a/b"',
    ],
    ['an empty base', () => jobKey('', PIANO), 'Cannot compute job key: base is missing: got ""'],
    [
      'frames 0',
      () => jobKey('x', { ...PIANO, frames: 0 }),
      'Cannot compute job key: frames must be an integer >= 1: got 0',
    ],
    [
      'frames 1.5',
      () => identityHash({ ...PIANO, frames: 1.5 }),
      'Cannot hash job identity: frames must be an integer >= 1: got 1.5',
    ],
    [
      'a seed of 2^32',
      () => jobKey('x', { ...PIANO, seed: 2 ** 32 }),
      'Cannot compute job key: seed must be an integer from 0 to 4294967295: got 4294967296',
    ],
    [
      'a negative seed',
      () => canonicalIdentity({ ...PIANO, seed: -1 }),
      'Cannot encode job identity: seed must be an integer from 0 to 4294967295: got -1',
    ],
    [
      'topK 5000',
      () => jobKey('x', { ...PIANO, topK: 5000 }),
      'Cannot compute job key: topK must be an integer from 0 to 2048: got 5000',
    ],
    [
      'topP 2',
      () => jobKey('x', { ...PIANO, topP: 2 }),
      'Cannot compute job key: topP must be a number from 0 to 1: got 2',
    ],
    [
      'guidance NaN',
      () => deriveSeed({ ...PIANO, guidance: Number.NaN }),
      'Cannot derive seed: guidance must be a number from 0 to 100: got NaN',
    ],
    [
      'temperature -1',
      () => jobKey('x', { ...PIANO, temperature: -1 }),
      'Cannot compute job key: temperature must be a number from 0 to 100: got -1',
    ],
    [
      'an empty model id',
      () => jobKey('x', { ...PIANO, modelId: ' ' }),
      'Cannot compute job key: modelId must be a non-empty string: got " "',
    ],
  ])('refuses %s', (_name, call, message) => {
    expect(call).toThrow(new RangeError(message));
  });
});
