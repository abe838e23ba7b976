import type { ServerFacts } from '@musicgen/contract';
import { PREVIEW_MODEL_ID } from '@musicgen/preview-engine';
import type { ServedMetadata } from '@musicgen/store';
import { ConfigError } from '../config/config-error.js';
import type { EndpointInfo } from './connect-backend.js';

/** What the run makes its jobs with, decided from `--model` and what the servers said. */
export interface ServedModel {
  /** The model id every job's identity (and key) hashes. */
  readonly modelId: string;
  /** What goes into each WAV's metadata about the servers, when they published facts. */
  readonly served: ServedMetadata | undefined;
  /** Lines worth telling the user before the run (one per endpoint). */
  readonly notes: readonly string[];
}

/**
 * Decides the model id of the run's jobs and checks that every server really serves it. The id is
 * `--model` (default `facebook/musicgen-medium`), so stores keep skipping what they hold; a server
 * whose facts name another checkpoint (random test weights included) is refused before any work,
 * with both names. The preview engine makes jobs of its own id (`musicgen-preview`), so its audio never
 * passes for MusicGen's. Servers older than contract v1.1 publish no facts and are trusted, with a note.
 *
 * @example
 * ```ts
 * const { modelId, served, notes } = servedModel('facebook/musicgen-medium', connected.endpoints);
 * ```
 *
 * @throws {ConfigError} when a server serves another model than `--model`.
 */
export function servedModel(requested: string, endpoints: readonly EndpointInfo[]): ServedModel {
  if (endpoints.some((e) => e.preview)) {
    return {
      modelId: PREVIEW_MODEL_ID,
      served: { weights: 'preview', revision: null, dtypes: 'none' },
      notes: [],
    };
  }
  const notes: string[] = [];
  let served: ServedMetadata | undefined;
  for (const endpoint of endpoints) {
    const lm = endpoint.facts?.lm;
    if (lm === undefined) {
      notes.push(
        `Note: Triton at ${endpoint.address} publishes no facts (no musicgen_info: a deployment older than this tool); ` +
          `assuming it serves ${requested}`,
      );
      continue;
    }
    if (lm.modelId !== requested) {
      throw new ConfigError(
        `Cannot run the batch as Triton at ${endpoint.address} serves '${lm.modelId}' (${lm.weights} weights) ` +
          `while the jobs are for '${requested}': pass --model=${lm.modelId}, or deploy ${requested}`,
      );
    }
    notes.push(describeEndpoint(endpoint));
    served ??= servedMetadata(endpoint.facts as ServerFacts);
  }
  return { modelId: requested, served, notes };
}

/** One line about what an endpoint serves, e.g. `Triton at …: facebook/musicgen-medium @ e52f6b5 (pretrained), …`. */
function describeEndpoint(endpoint: EndpointInfo): string {
  const lm = endpoint.facts?.lm;
  if (lm === undefined) return `Triton at ${endpoint.address}`;
  const revision = lm.revision === null ? '' : ` @ ${lm.revision.slice(0, 7)}`;
  return (
    `Triton at ${endpoint.address}: ${lm.modelId}${revision} (${lm.weights} weights) on ${lm.device}, ` +
    `${dtypeText(endpoint.facts as ServerFacts)}, ${lm.maxConcurrentRequests} requests at once`
  );
}

/** The effective dtype of every part, e.g. `text_encoder=float16,decoder=float16,encodec=float32`. */
function dtypeText(facts: ServerFacts): string {
  const parts = { ...facts.lm?.dtypes, ...facts.decode?.dtypes };
  const text = Object.entries(parts)
    .map(([part, dtype]) => `${part}=${dtype}`)
    .join(',');
  return text === '' ? 'none' : text;
}

function servedMetadata(facts: ServerFacts): ServedMetadata {
  return {
    weights: facts.lm?.weights ?? 'pretrained',
    revision: facts.lm?.revision ?? null,
    dtypes: dtypeText(facts),
  };
}
