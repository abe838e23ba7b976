import type { PlannedWindow } from '@musicgen/chunking';
import type { Codes } from '@musicgen/contract';
import type { PromptJob } from '@musicgen/prompts';
import type { GenerateWindowRequest } from '@musicgen/triton-client';

/** The contract fields of one window's request: what is sent to `musicgen_lm`, nothing else. */
export type WindowRequest = Pick<
  GenerateWindowRequest,
  'text' | 'frames' | 'promptCodes' | 'seed' | 'guidance' | 'topK' | 'topP' | 'temperature'
>;

/**
 * What one window of a job asks of the model: the job's prompt and sampling options, the window's own
 * new frames and seed (from the plan), and the context codes it continues from (none for the first).
 *
 * @example
 * ```ts
 * const plan = planWindows(job.frames, job.seed);
 * windowRequest(job, plan.windows[1], sliceCodes(codes, 900, 1500));
 * // { text: job.prompt, frames: 750, promptCodes: …, seed: plan.windows[1].seed, guidance: job.guidance, … }
 * ```
 */
export function windowRequest(
  job: PromptJob,
  window: PlannedWindow,
  promptCodes: Codes | undefined,
): WindowRequest {
  return {
    text: job.prompt,
    frames: window.newFrames,
    ...(promptCodes ? { promptCodes } : {}),
    seed: window.seed,
    guidance: job.guidance,
    topK: job.topK,
    topP: job.topP,
    temperature: job.temperature,
  };
}
