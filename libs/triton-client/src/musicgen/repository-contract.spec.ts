import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkModelConfig } from '../model-config/check-model-config.js';
import { modelConfigFromPbtxt } from '../model-config/model-config-from-pbtxt.js';
import {
  CODEBOOK_SIZE,
  CODEBOOKS,
  CONTRACT_VERSION,
  DEFAULT_SAMPLING,
  FP32_MIN_NORMAL,
  MAX_WINDOW_FRAMES,
  MODEL_CONTRACTS,
  SAMPLE_RATE_HZ,
  SAMPLES_PER_FRAME,
  SAMPLING_LIMITS,
} from '@musicgen/contract';

const repository = resolve(import.meta.dirname, '../../../../infra/triton/model_repository');
const present = existsSync(repository);
const models = present
  ? readdirSync(repository, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(repository, entry.name, 'config.pbtxt')))
      .map((entry) => entry.name)
  : [];

describe('the model repository follows the contract', () => {
  it.skipIf(!present)('has a config.pbtxt for every model of the contract', () => {
    expect([...models].sort()).toEqual(Object.keys(MODEL_CONTRACTS).sort());
  });

  it.skipIf(!present)('holds only models of the contract', () => {
    expect(models.filter((name) => MODEL_CONTRACTS[name] === undefined)).toEqual([]);
  });

  it.each(models.filter((name) => MODEL_CONTRACTS[name] !== undefined))(
    '%s/config.pbtxt agrees with @musicgen/contract',
    (name) => {
      const path = join(repository, name, 'config.pbtxt');
      const config = modelConfigFromPbtxt(readFileSync(path, 'utf8'), `${name}/config.pbtxt`);
      expect(
        checkModelConfig(config, MODEL_CONTRACTS[name] as NonNullable<(typeof MODEL_CONTRACTS)[string]>),
      ).toEqual([]);
    },
  );
});

/** Module-level `NAME = number` assignments of a Python file. */
function pythonConstants(source: string): Record<string, number> {
  const found: Record<string, number> = {};
  for (const match of source.matchAll(/^([A-Z][A-Z0-9_]*) = (-?[0-9][0-9_.]*(?:e-?[0-9]+)?)\s*(?:#.*)?$/gm)) {
    found[match[1] as string] = Number((match[2] as string).replaceAll('_', ''));
  }
  return found;
}

const requestPy = resolve(repository, 'musicgen_lm/1/musicgen_serving/request.py');

describe('the Python request validation follows the contract', () => {
  it.skipIf(!existsSync(requestPy))('request.py has the contract numbers, defaults and limits', () => {
    const constants = pythonConstants(readFileSync(requestPy, 'utf8'));
    expect({
      NUM_CODEBOOKS: constants['NUM_CODEBOOKS'],
      CODEBOOK_SIZE: constants['CODEBOOK_SIZE'],
      MAX_FRAMES: constants['MAX_FRAMES'],
      DEFAULT_GUIDANCE_SCALE: constants['DEFAULT_GUIDANCE_SCALE'],
      DEFAULT_TOP_K: constants['DEFAULT_TOP_K'],
      DEFAULT_TOP_P: constants['DEFAULT_TOP_P'],
      DEFAULT_TEMPERATURE: constants['DEFAULT_TEMPERATURE'],
      MAX_GUIDANCE_SCALE: constants['MAX_GUIDANCE_SCALE'],
      MAX_TOP_K: constants['MAX_TOP_K'],
      MAX_TOP_P: constants['MAX_TOP_P'],
      MAX_TEMPERATURE: constants['MAX_TEMPERATURE'],
      SAMPLE_RATE: constants['SAMPLE_RATE'],
      SAMPLES_PER_FRAME: constants['SAMPLES_PER_FRAME'],
      FP32_MIN_NORMAL: constants['FP32_MIN_NORMAL'],
    }).toEqual({
      NUM_CODEBOOKS: CODEBOOKS,
      CODEBOOK_SIZE,
      MAX_FRAMES: MAX_WINDOW_FRAMES,
      DEFAULT_GUIDANCE_SCALE: DEFAULT_SAMPLING.guidance,
      DEFAULT_TOP_K: DEFAULT_SAMPLING.topK,
      DEFAULT_TOP_P: DEFAULT_SAMPLING.topP,
      DEFAULT_TEMPERATURE: DEFAULT_SAMPLING.temperature,
      MAX_GUIDANCE_SCALE: SAMPLING_LIMITS.guidance.max,
      MAX_TOP_K: SAMPLING_LIMITS.topK.max,
      MAX_TOP_P: SAMPLING_LIMITS.topP.max,
      MAX_TEMPERATURE: SAMPLING_LIMITS.temperature.max,
      SAMPLE_RATE: SAMPLE_RATE_HZ,
      SAMPLES_PER_FRAME,
      FP32_MIN_NORMAL,
    });
  });

  const factsPy = resolve(repository, 'musicgen_lm/1/musicgen_serving/facts.py');
  it.skipIf(!existsSync(factsPy))('facts.py publishes the contract version of @musicgen/contract', () => {
    const version = /^CONTRACT_VERSION = "([^"]*)"$/m.exec(readFileSync(factsPy, 'utf8'))?.[1];
    expect(version).toBe(CONTRACT_VERSION);
  });

  it('reads the assignments a Python module writes', () => {
    expect(pythonConstants('A = 4\nB_2 = 2_048  # note\n  C = 1\nD = x\nE = -1.5\nF = 1.5e-38\n')).toEqual({
      A: 4,
      B_2: 2048,
      E: -1.5,
      F: 1.5e-38,
    });
  });
});
