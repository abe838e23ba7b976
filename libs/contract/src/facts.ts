/**
 * Facts a server knows only after it has loaded its models (contract v1.1): what each model really
 * serves (checkpoint, revision, whether the weights are real, device, dtypes) and its capacity; from
 * v1.3 also the SHA-256 of the checkpoint's files and the text encoder's self-test at load. They
 * are published as one JSON document, the FACTS output of the `musicgen_info` model, built from what
 * each model instance wrote after its `initialize` — so the numbers are those really allocated.
 *
 * @module
 */

/** Version of the model contract this package describes. */
export const CONTRACT_VERSION = '1.3';

/** What kind of weights a model serves: the released checkpoint, random test weights, or the preview synthesiser. */
export type WeightsKind = 'pretrained' | 'random' | 'preview';

/** Facts common to every served model. */
export interface ServedModelFacts {
  /** Model instances loaded (one per GPU, usually). */
  readonly instances: number;
  /** The checkpoint the deployment asked for, aliases expanded (`facebook/musicgen-medium`) or a local path. */
  readonly modelId: string;
  /** Where the weights were read from: a Hugging Face snapshot folder or a local directory. */
  readonly source: string;
  /** The Hugging Face snapshot commit, or null for a local directory. */
  readonly revision: string | null;
  readonly weights: WeightsKind;
  /** `cuda:0`, `cpu`, ... */
  readonly device: string;
  /** Effective dtype of each part, e.g. `{ text_encoder: 'float16', decoder: 'float16' }`. */
  readonly dtypes: Readonly<Record<string, string>>;
}

/**
 * The text encoder's self-test at load (contract v1.3): a few fixed prompts T5-encoded the way requests
 * are, in the dtype the LM reads.
 */
export interface TextEncoderCheck {
  /** True when every value of the states is finite (no inf, no NaN). */
  readonly finite: boolean;
  /** How many values were not finite. */
  readonly nonFinite: number;
  /** The largest magnitude among the finite values. */
  readonly maxAbs: number;
  /** Prompts encoded. */
  readonly prompts: number;
  /** The dtype of the states checked. */
  readonly dtype: string;
}

/** Facts of `musicgen_lm`. */
export interface LmFacts extends ServedModelFacts {
  /** Requests decoded at once over all instances (the slots really allocated). */
  readonly maxConcurrentRequests: number;
  /** Requests that may wait for a slot before the server answers UNAVAILABLE. */
  readonly maxQueueSize: number;
  /** Prompt tokens kept; longer prompts are truncated. */
  readonly maxTextTokens: number;
  /** Largest NUM_FRAMES + prompt frames of one request. */
  readonly maxTotalFrames: number;
  /**
   * Contract v1.2: the longest a request goes without a response (an acknowledgement, a liveness
   * response of no frames, or progress) while the server works; absent from older servers, whose
   * silence means nothing.
   */
  readonly livenessIntervalMs?: number;
  /** Contract v1.3: SHA-256 (hex) of each top-level file of the checkpoint directory loaded, by name. */
  readonly files?: Readonly<Record<string, string>>;
  /** Contract v1.3: the text encoder's self-test at load. */
  readonly textEncoderCheck?: TextEncoderCheck;
}

/** Facts of `encodec_decode`. */
export interface DecodeFacts extends ServedModelFacts {
  /** Largest T of one request. */
  readonly maxFrames: number;
  /** Requests of equal T decoded in one batch at most. */
  readonly maxBatchSize: number;
}

/** The FACTS document; a model that has not (yet) published its facts is absent. */
export interface ServerFacts {
  readonly contract: string;
  readonly lm?: LmFacts;
  readonly decode?: DecodeFacts;
}

type Json = Record<string, unknown>;

class FactsReader {
  constructor(readonly path: string) {}

  fail(key: string, rule: string, value: unknown): never {
    throw new TypeError(
      `Cannot read the server's facts as ${this.path}${key || 'the document'} ${rule}: current value is ${JSON.stringify(value) ?? 'undefined'}`,
    );
  }

  object(value: unknown, key = ''): Json {
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      this.fail(key, 'must be an object', value);
    return value as Json;
  }

  string(json: Json, key: string): string {
    const value = json[key];
    if (typeof value !== 'string' || value === '') this.fail(key, 'must be a non-empty string', value);
    return value;
  }

  number(json: Json, key: string): number {
    const value = json[key];
    if (typeof value !== 'number' || !Number.isFinite(value))
      this.fail(key, 'must be a finite number', value);
    return value;
  }

  boolean(json: Json, key: string): boolean {
    const value = json[key];
    if (typeof value !== 'boolean') this.fail(key, 'must be true or false', value);
    return value;
  }

  count(json: Json, key: string, min = 1): number {
    const value = json[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      this.fail(key, `must be an integer >= ${min}`, value);
    }
    return value;
  }
}

function servedFacts(r: FactsReader, json: Json): ServedModelFacts {
  const revision = json['revision'];
  if (revision !== null && (typeof revision !== 'string' || revision === '')) {
    r.fail('revision', 'must be a commit hash or null', revision);
  }
  const weights = json['weights'];
  if (weights !== 'pretrained' && weights !== 'random' && weights !== 'preview') {
    r.fail('weights', "must be 'pretrained', 'random' or 'preview'", weights);
  }
  const dtypes = r.object(json['dtypes'], 'dtypes');
  for (const [part, dtype] of Object.entries(dtypes)) {
    if (typeof dtype !== 'string') r.fail(`dtypes.${part}`, 'must be a string', dtype);
  }
  return {
    instances: r.count(json, 'instances'),
    modelId: r.string(json, 'model_id'),
    source: r.string(json, 'source'),
    revision: revision as string | null,
    weights,
    device: r.string(json, 'device'),
    dtypes: dtypes as Record<string, string>,
  };
}

function fileHashes(r: FactsReader, json: Json): Record<string, string> {
  const files = r.object(json['files'], 'files');
  for (const [name, hash] of Object.entries(files)) {
    if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) {
      r.fail(`files.${name}`, 'must be a SHA-256 in hex', hash);
    }
  }
  return files as Record<string, string>;
}

function textEncoderCheck(lm: FactsReader, json: Json): TextEncoderCheck {
  const check = lm.object(json['text_encoder_check'], 'text_encoder_check');
  const r = new FactsReader(`${lm.path}text_encoder_check.`);
  return {
    finite: r.boolean(check, 'finite'),
    nonFinite: r.count(check, 'non_finite', 0),
    maxAbs: r.number(check, 'max_abs'),
    prompts: r.count(check, 'prompts'),
    dtype: r.string(check, 'dtype'),
  };
}

/**
 * Reads the FACTS document of `musicgen_info` (snake_case JSON on the wire). Unknown keys are ignored,
 * so a newer server's additions do not break an older client.
 *
 * @example
 * ```ts
 * const facts = parseServerFacts(text);
 * facts.lm?.maxConcurrentRequests; // 40 on an L40S
 * ```
 *
 * @throws {TypeError} naming the first missing or malformed field and its value.
 */
export function parseServerFacts(text: string): ServerFacts {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new TypeError(`Cannot read the server's facts as they are not JSON: ${(error as Error).message}`);
  }
  const top = new FactsReader('');
  const json = top.object(raw);
  const contract = top.string(json, 'contract');
  const models = top.object(json['models'], 'models');
  const facts: { contract: string; lm?: LmFacts; decode?: DecodeFacts } = { contract };
  if (models['musicgen_lm'] !== undefined) {
    const r = new FactsReader('models.musicgen_lm.');
    const lm = top.object(models['musicgen_lm'], 'models.musicgen_lm');
    facts.lm = {
      ...servedFacts(r, lm),
      maxConcurrentRequests: r.count(lm, 'max_concurrent_requests'),
      maxQueueSize: r.count(lm, 'max_queue_size', 0),
      maxTextTokens: r.count(lm, 'max_text_tokens'),
      maxTotalFrames: r.count(lm, 'max_total_frames'),
      ...(lm['liveness_interval_ms'] === undefined
        ? {}
        : { livenessIntervalMs: r.count(lm, 'liveness_interval_ms') }),
      ...(lm['files'] === undefined ? {} : { files: fileHashes(r, lm) }),
      ...(lm['text_encoder_check'] === undefined ? {} : { textEncoderCheck: textEncoderCheck(r, lm) }),
    };
  }
  if (models['encodec_decode'] !== undefined) {
    const r = new FactsReader('models.encodec_decode.');
    const decode = top.object(models['encodec_decode'], 'models.encodec_decode');
    facts.decode = {
      ...servedFacts(r, decode),
      maxFrames: r.count(decode, 'max_frames'),
      maxBatchSize: r.count(decode, 'max_batch_size'),
    };
  }
  return facts;
}

function servedJson(facts: ServedModelFacts): Json {
  return {
    instances: facts.instances,
    model_id: facts.modelId,
    source: facts.source,
    revision: facts.revision,
    weights: facts.weights,
    device: facts.device,
    dtypes: facts.dtypes,
  };
}

/**
 * The FACTS document for `facts`, as a server of the contract writes it (the inverse of
 * {@link parseServerFacts}).
 *
 * @example
 * ```ts
 * parseServerFacts(serverFactsJson(facts)); // equal to facts
 * ```
 */
export function serverFactsJson(facts: ServerFacts): string {
  const models: Json = {};
  if (facts.lm !== undefined) {
    models['musicgen_lm'] = {
      ...servedJson(facts.lm),
      max_concurrent_requests: facts.lm.maxConcurrentRequests,
      max_queue_size: facts.lm.maxQueueSize,
      max_text_tokens: facts.lm.maxTextTokens,
      max_total_frames: facts.lm.maxTotalFrames,
      ...(facts.lm.livenessIntervalMs === undefined
        ? {}
        : { liveness_interval_ms: facts.lm.livenessIntervalMs }),
      ...(facts.lm.files === undefined ? {} : { files: facts.lm.files }),
      ...(facts.lm.textEncoderCheck === undefined
        ? {}
        : {
            text_encoder_check: {
              finite: facts.lm.textEncoderCheck.finite,
              non_finite: facts.lm.textEncoderCheck.nonFinite,
              max_abs: facts.lm.textEncoderCheck.maxAbs,
              prompts: facts.lm.textEncoderCheck.prompts,
              dtype: facts.lm.textEncoderCheck.dtype,
            },
          }),
    };
  }
  if (facts.decode !== undefined) {
    models['encodec_decode'] = {
      ...servedJson(facts.decode),
      max_frames: facts.decode.maxFrames,
      max_batch_size: facts.decode.maxBatchSize,
    };
  }
  return JSON.stringify({ contract: facts.contract, models });
}
