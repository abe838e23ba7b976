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
      '["musicgen-job/v1","facebook/musicgen-medium","calm piano",1000,3,250,0,1,2984583395]',
      'e5ccf6685c9b70171dee2643772c7d42581cc252e078e2b3f47c2268526e4365',
      'piano_e5ccf668.wav',
    ],
    [
      'explicit seed',
      'piano',
      { ...PIANO, seed: 7 },
      '["musicgen-job/v1","facebook/musicgen-medium","calm piano",1000,3,250,0,1,7]',
      '56a91989dd409000bed85dc3c36958f2349e7007eab812d8b5f3397cdf1a238d',
      'piano_56a91989.wav',
    ],
    [
      'NFD prompt, every parameter set',
      'Zu\u0308rich',
      ZURICH,
      '["musicgen-job/v1","facebook/musicgen-small","Z\u00fcrich at night, 80s synth",1500,4.5,0,0.9,0.7,123456]',
      '6c8ff7db03776dab0fbb4d90d1b42c585b1fd620813bb07c8e957c920b3807a5',
      'Z\u00fcrich_6c8ff7db.wav',
    ],
  ])('%s', (_name, base, identity, canonical, hash, key) => {
    expect(canonicalIdentity(identity)).toBe(canonical);
    expect(identityHash(identity)).toBe(hash);
    expect(jobKey(base, identity)).toBe(key);
  });

  it('derives the seed from the seedless encoding', () => {
    // printf '%s' '["musicgen-job/v1","facebook/musicgen-medium","calm piano",1000,3,250,0,1,null]' | sha256sum
    // starts with b1e520e3 = 2984583395
    expect(deriveSeed(PIANO)).toBe(2984583395);
    expect(deriveSeed({ ...PIANO, seed: 7 })).toBe(2984583395);
  });
});

describe('key stability', () => {
  it('gives the derived seed explicitly the same key as no seed', () => {
    expect(jobKey('piano', { ...PIANO, seed: deriveSeed(PIANO) })).toBe(jobKey('piano', PIANO));
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
      'Cannot derive seed: guidance must be a number >= 0: got NaN',
    ],
    [
      'temperature -1',
      () => jobKey('x', { ...PIANO, temperature: -1 }),
      'Cannot compute job key: temperature must be a number >= 0: got -1',
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
