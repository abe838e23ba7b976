import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkModelConfig } from '../model-config/check-model-config.js';
import { modelConfigFromPbtxt } from '../model-config/model-config-from-pbtxt.js';
import { ENCODEC_DECODE, MODEL_CONTRACTS, MUSICGEN_LM, samplesForFrames } from './contract.js';

const repository = resolve(import.meta.dirname, '../../../../infra/triton/model_repository');
const present = existsSync(repository);
const models = present
  ? readdirSync(repository, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(repository, entry.name, 'config.pbtxt')))
      .map((entry) => entry.name)
  : [];

describe('the model repository follows the contract', () => {
  it.skipIf(!present)('has a config.pbtxt for musicgen_lm', () => {
    expect(models).toContain(MUSICGEN_LM);
  });

  it.skipIf(!present)('holds only models of the contract', () => {
    expect(models.filter((name) => MODEL_CONTRACTS[name] === undefined)).toEqual([]);
  });

  it.each(models.filter((name) => MODEL_CONTRACTS[name] !== undefined))(
    '%s/config.pbtxt agrees with contract.ts',
    (name) => {
      const path = join(repository, name, 'config.pbtxt');
      const config = modelConfigFromPbtxt(readFileSync(path, 'utf8'), `${name}/config.pbtxt`);
      expect(
        checkModelConfig(config, MODEL_CONTRACTS[name] as NonNullable<(typeof MODEL_CONTRACTS)[string]>),
      ).toEqual([]);
    },
  );
});

describe('contract constants', () => {
  it('names both models and converts frames to samples', () => {
    expect(Object.keys(MODEL_CONTRACTS)).toEqual([MUSICGEN_LM, ENCODEC_DECODE]);
    expect(samplesForFrames(1500)).toBe(960_000);
  });
});
