import { MAX_METADATA_BYTES } from './object-metadata.js';

/** What every generated WAV carries in its metadata. */
export interface AudioMetadata {
  /** The prompt text, any Unicode (emoji, newlines). */
  prompt: string;
  /** Length of the audio in seconds. */
  durationSeconds: number;
  /** Model id, printable ASCII, e.g. `facebook/musicgen-medium`. */
  model: string;
  /** Sampling seed (a signed 64-bit integer). */
  seed: bigint | number;
  /** Lowercase hex hash of the job identity (prompt, duration, model, generation parameters, seed). */
  identityHash: string;
  /** What the server reported it really served, when it reported it (model contract v1.1 facts). */
  served?: ServedMetadata;
  /** How the audio was written into the file; not part of the identity, but part of what makes a job done. */
  rendering?: Rendering;
}

/**
 * How a job's audio became its file: the WAV sample encoding and the normalisation. Two renderings of
 * the same job share its key; {@link isJobDone} tells them apart.
 */
export interface Rendering {
  /** `@musicgen/wav`'s format name: `pcm16`, `pcm24` or `float32`. */
  format: string;
  /** The normalisation strategy: `peak`, `loudness`, `clip`, `rms` or `none`. */
  normalize: string;
}

/** The server's facts worth keeping with each WAV: printable ASCII, no spaces. */
export interface ServedMetadata {
  /** `pretrained`, `random` (test weights) or `preview` (the synthesiser). */
  weights: string;
  /** Hugging Face snapshot commit of the checkpoint, or null for a local directory. */
  revision: string | null;
  /** Effective dtypes, e.g. `decoder=float16,encodec=float32`. */
  dtypes: string;
}

/** {@link AudioMetadata} read back; `promptTruncated` tells that `prompt` is only the start of the original. */
export interface DecodedAudioMetadata extends AudioMetadata {
  seed: bigint;
  promptTruncated: boolean;
}

/** Metadata names used for audio, as stored (lowercase, S3 user metadata without `x-amz-meta-`). */
export const AUDIO_METADATA_NAMES = {
  identityHash: 'musicgen-identity',
  model: 'musicgen-model',
  seed: 'musicgen-seed',
  durationSeconds: 'musicgen-duration',
  prompt: 'musicgen-prompt',
  promptBytes: 'musicgen-prompt-truncated',
  weights: 'musicgen-weights',
  revision: 'musicgen-revision',
  dtypes: 'musicgen-dtypes',
  format: 'musicgen-format',
  normalize: 'musicgen-normalize',
} as const;

const N = AUDIO_METADATA_NAMES;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Encodes audio metadata as ASCII name/value pairs for `ObjectStore.put`. The rendering (format and
 * normalisation), when given, is recorded so that a later run asking for another one is not skipped. The prompt is stored as
 * base64url (RFC 4648 §5, no padding) of its UTF-8 bytes, so any text round-trips exactly. When everything
 * would exceed `maxBytes` (S3's 2 KB user-metadata limit, counting `extraBytes` used by other metadata),
 * the prompt is cut at a character boundary and `musicgen-prompt-truncated` records the original UTF-8
 * length; the identity hash is always kept whole, so done-checks stay exact.
 *
 * @example
 * ```ts
 * const metadata = encodeAudioMetadata({
 *   prompt: 'calm piano 🎹\nwith rain', durationSeconds: 8, model: 'facebook/musicgen-medium',
 *   seed: 42n, identityHash: '1a2b3c4d'.repeat(8),
 * });
 * await store.put('calm_1a2b3c4d.wav', wav, { metadata, contentType: 'audio/wav' });
 * ```
 */
export function encodeAudioMetadata(
  audio: AudioMetadata,
  options: { maxBytes?: number; extraBytes?: number } = {},
): Record<string, string> {
  const { maxBytes = MAX_METADATA_BYTES, extraBytes = 0 } = options;
  const fail = (field: string, reason: string, value: unknown): never => {
    throw new RangeError(
      `Cannot encode audio metadata: '${field}' ${reason}: current value is ${String(value)}`,
    );
  };
  if (!/^[0-9a-f]{8,128}$/.test(audio.identityHash)) {
    fail('identityHash', 'must be 8 to 128 lowercase hex digits', JSON.stringify(audio.identityHash));
  }
  if (!/^[\x21-\x7e]{1,256}$/.test(audio.model)) {
    fail('model', 'must be 1 to 256 printable ASCII characters without spaces', JSON.stringify(audio.model));
  }
  if (!Number.isFinite(audio.durationSeconds) || audio.durationSeconds <= 0) {
    fail('durationSeconds', 'must be a positive finite number', audio.durationSeconds);
  }
  if (typeof audio.seed === 'number' && !Number.isSafeInteger(audio.seed)) {
    fail('seed', 'must be an integer (use a bigint beyond 2^53)', audio.seed);
  }
  const seed = BigInt(audio.seed);
  if (seed < INT64_MIN || seed > INT64_MAX) fail('seed', 'must fit in a signed 64-bit integer', seed);

  const fixed: Record<string, string> = {
    [N.identityHash]: audio.identityHash,
    [N.model]: audio.model,
    [N.seed]: seed.toString(),
    [N.durationSeconds]: String(audio.durationSeconds),
  };
  if (audio.served !== undefined) {
    const { weights, revision, dtypes } = audio.served;
    for (const [field, value] of Object.entries({ weights, revision: revision ?? 'none', dtypes })) {
      if (!/^[\x21-\x7e]{1,128}$/.test(value)) {
        fail(
          `served.${field}`,
          'must be 1 to 128 printable ASCII characters without spaces',
          JSON.stringify(value),
        );
      }
    }
    fixed[N.weights] = weights;
    fixed[N.revision] = revision ?? 'none';
    fixed[N.dtypes] = dtypes;
  }
  if (audio.rendering !== undefined) {
    for (const [field, value] of Object.entries(audio.rendering)) {
      if (!/^[a-z0-9-]{1,32}$/.test(value)) {
        fail(
          `rendering.${field}`,
          'must be 1 to 32 lowercase letters, digits or dashes',
          JSON.stringify(value),
        );
      }
    }
    fixed[N.format] = audio.rendering.format;
    fixed[N.normalize] = audio.rendering.normalize;
  }
  const used = extraBytes + Object.entries(fixed).reduce((sum, [k, v]) => sum + k.length + v.length, 0);
  const utf8 = Buffer.from(audio.prompt, 'utf8');
  const whole = utf8.toString('base64url');
  if (used + N.prompt.length + whole.length <= maxBytes) return { ...fixed, [N.prompt]: whole };

  const marker = { name: N.promptBytes, value: String(utf8.length) };
  const budget = maxBytes - used - N.prompt.length - marker.name.length - marker.value.length;
  if (budget < 0) fail('prompt', `leaves no room within ${maxBytes} metadata bytes`, `${utf8.length} bytes`);
  let keep = Math.floor((budget * 3) / 4);
  while (keep > 0 && ((utf8[keep] ?? 0) & 0xc0) === 0x80) keep -= 1;
  return { ...fixed, [N.prompt]: utf8.subarray(0, keep).toString('base64url'), [marker.name]: marker.value };
}

/**
 * Reads audio metadata written by {@link encodeAudioMetadata}; `undefined` when the object carries none
 * (no identity hash).
 *
 * @example
 * ```ts
 * const info = await store.head('calm_1a2b3c4d.wav');
 * const audio = info && decodeAudioMetadata(info.metadata);
 * ```
 */
export function decodeAudioMetadata(metadata: Record<string, string>): DecodedAudioMetadata | undefined {
  const identityHash = metadata[N.identityHash];
  if (identityHash === undefined) return undefined;
  const seedText = metadata[N.seed] ?? '0';
  return {
    prompt: Buffer.from(metadata[N.prompt] ?? '', 'base64url').toString('utf8'),
    promptTruncated: metadata[N.promptBytes] !== undefined,
    durationSeconds: Number(metadata[N.durationSeconds]),
    model: metadata[N.model] ?? '',
    seed: /^-?\d+$/.test(seedText) ? BigInt(seedText) : 0n,
    identityHash,
    ...servedFrom(metadata),
    ...renderingFrom(metadata),
  };
}

/** The rendering recorded in `metadata`, or undefined for an object written before renderings were recorded. */
export function renderingFrom(metadata: Record<string, string>): { rendering?: Rendering } {
  const format = metadata[N.format];
  const normalize = metadata[N.normalize];
  return format === undefined || normalize === undefined ? {} : { rendering: { format, normalize } };
}

function servedFrom(metadata: Record<string, string>): { served?: ServedMetadata } {
  const weights = metadata[N.weights];
  if (weights === undefined) return {};
  const revision = metadata[N.revision];
  return {
    served: {
      weights,
      revision: revision === undefined || revision === 'none' ? null : revision,
      dtypes: metadata[N.dtypes] ?? '',
    },
  };
}
