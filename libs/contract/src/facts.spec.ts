import { describe, expect, it } from 'vitest';
import { parseServerFacts, serverFactsJson, type ServerFacts } from './facts.js';

const WIRE = {
  contract: '1.1',
  models: {
    musicgen_lm: {
      instances: 1,
      model_id: 'facebook/musicgen-medium',
      source: '/workspace/hf/hub/models--facebook--musicgen-medium/snapshots/abc123',
      revision: 'abc123',
      weights: 'pretrained',
      device: 'cuda:0',
      dtypes: { text_encoder: 'float16', decoder: 'float16' },
      max_concurrent_requests: 40,
      max_queue_size: 256,
      max_text_tokens: 64,
      max_total_frames: 1500,
      some_later_addition: true,
    },
    encodec_decode: {
      instances: 1,
      model_id: 'facebook/musicgen-medium',
      source: '/workspace/hf/hub/models--facebook--musicgen-medium/snapshots/abc123',
      revision: 'abc123',
      weights: 'pretrained',
      device: 'cuda:0',
      dtypes: { encodec: 'float32' },
      max_frames: 1500,
      max_batch_size: 8,
    },
  },
};

const FACTS: ServerFacts = {
  contract: '1.1',
  lm: {
    instances: 1,
    modelId: 'facebook/musicgen-medium',
    source: '/workspace/hf/hub/models--facebook--musicgen-medium/snapshots/abc123',
    revision: 'abc123',
    weights: 'pretrained',
    device: 'cuda:0',
    dtypes: { text_encoder: 'float16', decoder: 'float16' },
    maxConcurrentRequests: 40,
    maxQueueSize: 256,
    maxTextTokens: 64,
    maxTotalFrames: 1500,
  },
  decode: {
    instances: 1,
    modelId: 'facebook/musicgen-medium',
    source: '/workspace/hf/hub/models--facebook--musicgen-medium/snapshots/abc123',
    revision: 'abc123',
    weights: 'pretrained',
    device: 'cuda:0',
    dtypes: { encodec: 'float32' },
    maxFrames: 1500,
    maxBatchSize: 8,
  },
};

describe('parseServerFacts', () => {
  it('reads the wire document, ignoring unknown keys', () => {
    expect(parseServerFacts(JSON.stringify(WIRE))).toEqual(FACTS);
  });

  it('leaves out models that published nothing', () => {
    expect(parseServerFacts('{"contract":"1.1","models":{}}')).toEqual({ contract: '1.1' });
  });

  it('reads the liveness interval of a contract v1.2 server', () => {
    const lm = { ...WIRE.models.musicgen_lm, liveness_interval_ms: 2000 };
    const wire = { ...WIRE, contract: '1.2', models: { ...WIRE.models, musicgen_lm: lm } };
    const facts = { ...FACTS, contract: '1.2', lm: { ...(FACTS.lm as object), livenessIntervalMs: 2000 } };
    expect(parseServerFacts(JSON.stringify(wire))).toEqual(facts);
    expect(parseServerFacts(serverFactsJson(facts as ServerFacts))).toEqual(facts);
    const zero = { ...wire, models: { musicgen_lm: { ...lm, liveness_interval_ms: 0 } } };
    expect(() => parseServerFacts(JSON.stringify(zero))).toThrow(
      new TypeError(
        "Cannot read the server's facts as models.musicgen_lm.liveness_interval_ms must be an integer >= 1: current value is 0",
      ),
    );
  });

  it('reads the file hashes and the text encoder check of a contract v1.3 server', () => {
    const hash = 'ab'.repeat(32);
    const lm = {
      ...WIRE.models.musicgen_lm,
      liveness_interval_ms: 2000,
      files: { 'config.json': hash, 'model.safetensors': 'cd'.repeat(32) },
      text_encoder_check: { finite: true, non_finite: 0, max_abs: 0.4375, prompts: 3, dtype: 'float16' },
    };
    const wire = { ...WIRE, contract: '1.3', models: { ...WIRE.models, musicgen_lm: lm } };
    const facts: ServerFacts = {
      ...FACTS,
      contract: '1.3',
      lm: {
        ...(FACTS.lm as NonNullable<ServerFacts['lm']>),
        livenessIntervalMs: 2000,
        files: { 'config.json': hash, 'model.safetensors': 'cd'.repeat(32) },
        textEncoderCheck: { finite: true, nonFinite: 0, maxAbs: 0.4375, prompts: 3, dtype: 'float16' },
      },
    };
    expect(parseServerFacts(JSON.stringify(wire))).toEqual(facts);
    expect(parseServerFacts(serverFactsJson(facts))).toEqual(facts);
    const bad = (patch: Record<string, unknown>) =>
      JSON.stringify({ ...wire, models: { musicgen_lm: { ...lm, ...patch } } });
    expect(() => parseServerFacts(bad({ files: { 'config.json': 'ABC' } }))).toThrow(
      new TypeError(
        'Cannot read the server\'s facts as models.musicgen_lm.files.config.json must be a SHA-256 in hex: current value is "ABC"',
      ),
    );
    expect(() =>
      parseServerFacts(bad({ text_encoder_check: { ...lm.text_encoder_check, finite: 'yes' } })),
    ).toThrow(
      new TypeError(
        'Cannot read the server\'s facts as models.musicgen_lm.text_encoder_check.finite must be true or false: current value is "yes"',
      ),
    );
    expect(() => parseServerFacts(bad({ text_encoder_check: [] }))).toThrow(
      new TypeError(
        "Cannot read the server's facts as models.musicgen_lm.text_encoder_check must be an object: current value is []",
      ),
    );
    expect(() =>
      parseServerFacts(bad({ text_encoder_check: { ...lm.text_encoder_check, max_abs: null } })),
    ).toThrow(
      new TypeError(
        "Cannot read the server's facts as models.musicgen_lm.text_encoder_check.max_abs must be a finite number: current value is null",
      ),
    );
  });

  it('is the inverse of serverFactsJson', () => {
    expect(parseServerFacts(serverFactsJson(FACTS))).toEqual(FACTS);
    expect(parseServerFacts(serverFactsJson({ contract: '1.1' }))).toEqual({ contract: '1.1' });
  });

  it.each<[string, string]>([
    ['not json', "Cannot read the server's facts as they are not JSON: "],
    ['[]', "Cannot read the server's facts as the document must be an object: current value is []"],
    [
      '{"models":{}}',
      "Cannot read the server's facts as contract must be a non-empty string: current value is undefined",
    ],
    [
      JSON.stringify({
        ...WIRE,
        models: { musicgen_lm: { ...WIRE.models.musicgen_lm, max_concurrent_requests: 'auto' } },
      }),
      'Cannot read the server\'s facts as models.musicgen_lm.max_concurrent_requests must be an integer >= 1: current value is "auto"',
    ],
    [
      JSON.stringify({
        ...WIRE,
        models: { encodec_decode: { ...WIRE.models.encodec_decode, weights: 'real' } },
      }),
      "Cannot read the server's facts as models.encodec_decode.weights must be 'pretrained', 'random' or 'preview': current value is \"real\"",
    ],
    [
      JSON.stringify({
        ...WIRE,
        models: { encodec_decode: { ...WIRE.models.encodec_decode, revision: '' } },
      }),
      'Cannot read the server\'s facts as models.encodec_decode.revision must be a commit hash or null: current value is ""',
    ],
    [
      JSON.stringify({
        ...WIRE,
        models: { musicgen_lm: { ...WIRE.models.musicgen_lm, dtypes: { decoder: 16 } } },
      }),
      "Cannot read the server's facts as models.musicgen_lm.dtypes.decoder must be a string: current value is 16",
    ],
    [
      '{"contract":"1.1","models":{"musicgen_lm":7}}',
      "Cannot read the server's facts as models.musicgen_lm must be an object: current value is 7",
    ],
  ])('refuses %s', (text, message) => {
    expect(() => parseServerFacts(text)).toThrow(message);
  });
});
