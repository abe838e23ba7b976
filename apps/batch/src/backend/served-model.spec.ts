import type { ServerFacts } from '@musicgen/contract';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.js';
import type { EndpointInfo } from './connect-backend.js';
import { servedModel } from './served-model.js';

const served = {
  instances: 1,
  modelId: 'facebook/musicgen-medium',
  source: '/workspace/hf/hub/models--facebook--musicgen-medium/snapshots/e52f6b5a1c',
  revision: 'e52f6b5a1c',
  weights: 'pretrained' as const,
  device: 'cuda:0',
};
const FACTS: ServerFacts = {
  contract: '1.1',
  lm: {
    ...served,
    dtypes: { text_encoder: 'float16', decoder: 'float16' },
    maxConcurrentRequests: 40,
    maxQueueSize: 256,
    maxTextTokens: 64,
    maxTotalFrames: 1500,
  },
  decode: { ...served, dtypes: { encodec: 'float32' }, maxFrames: 1500, maxBatchSize: 8 },
};

function endpoint(address: string, facts: ServerFacts | undefined, preview = false): EndpointInfo {
  return { address, preview, facts, capacity: 40, capacitySource: facts ? 'facts' : 'fallback' };
}

describe('servedModel', () => {
  it('keeps --model as the identity and records what the server serves', () => {
    expect(servedModel('facebook/musicgen-medium', [endpoint('127.0.0.1:8001', FACTS)])).toEqual({
      modelId: 'facebook/musicgen-medium',
      served: {
        weights: 'pretrained',
        revision: 'e52f6b5a1c',
        dtypes: 'text_encoder=float16,decoder=float16,encodec=float32',
      },
      notes: [
        'Triton at 127.0.0.1:8001: facebook/musicgen-medium @ e52f6b5 (pretrained weights) on cuda:0, ' +
          'text_encoder=float16,decoder=float16,encodec=float32, 40 requests at once',
      ],
    });
  });

  it('refuses a server that serves another checkpoint, naming both', () => {
    const random: ServerFacts = {
      ...FACTS,
      lm: { ...(FACTS.lm as NonNullable<ServerFacts['lm']>), modelId: '/models/tiny', weights: 'random' },
    };
    expect(() => servedModel('facebook/musicgen-medium', [endpoint('127.0.0.1:8001', random)])).toThrow(
      new ConfigError(
        "Cannot run the batch as Triton at 127.0.0.1:8001 serves '/models/tiny' (random weights) while the jobs are " +
          "for 'facebook/musicgen-medium': pass --model=/models/tiny, or deploy facebook/musicgen-medium",
      ),
    );
  });

  it('trusts a server without facts, with a note', () => {
    expect(servedModel('facebook/musicgen-small', [endpoint('10.0.0.2:8001', undefined)])).toEqual({
      modelId: 'facebook/musicgen-small',
      served: undefined,
      notes: [
        'Note: Triton at 10.0.0.2:8001 publishes no facts (no musicgen_info: a deployment older than this tool); ' +
          'assuming it serves facebook/musicgen-small',
      ],
    });
  });

  it("gives the preview engine's audio its own model id", () => {
    expect(servedModel('facebook/musicgen-medium', [endpoint('127.0.0.1:9', undefined, true)])).toEqual({
      modelId: 'musicgen-preview',
      served: { weights: 'preview', revision: null, dtypes: 'none' },
      notes: [],
    });
  });
});
