import { CODEBOOKS, LM_TENSORS, MUSICGEN_LM } from '@musicgen/contract';
import { TRITON_FINAL_RESPONSE, encodeRawTensor, type ModelInferRequest } from '@musicgen/triton-client';
import type { StreamSend } from '@musicgen/triton-client/server';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { CodeGenerator } from './code-generator.js';
import { parseLmRequest } from './lm-request.js';
import { MODEL_VERSION } from './model-catalog.js';
import type { SlotLimiter } from './slot-limiter.js';
import { previewTextTokens } from './text-tokens.js';

/** How `musicgen_lm` streams. */
export interface LmStreamOptions {
  /** Frames between streamed responses. */
  readonly progressIntervalFrames: number;
  /** Throttle to this many frames per second per request; 0 = as fast as possible. */
  readonly framesPerSecond: number;
  /** The engine's generation slots, shared by every stream. */
  readonly slots: SlotLimiter;
  /** Longest a request goes without a response while it waits or generates (contract v1.2). */
  readonly livenessIntervalMs: number;
  /** Prompt tokens read; TEXT_TOKENS reports more as truncated. */
  readonly maxTextTokens: number;
  /** A test double's replacement of each chunk of codes (see `PreviewEngineHooks`). */
  readonly codes?: (seed: bigint, codes: Int32Array) => Int32Array;
}

function finalFlag(value: boolean) {
  return { [TRITON_FINAL_RESPONSE]: { bool_param: value } };
}

/**
 * `musicgen_lm` on a stream (contract v1.2): checks the request, takes a generation slot or a place in
 * line for one, and acknowledges the request at once with a response of no frames. While it waits, and
 * between progress responses when generation is throttled, a response of no frames goes out whenever
 * `livenessIntervalMs` passed without one. Once it has its slot it sends the codes
 * `progressIntervalFrames` at a time. Every response carries the frames done so far, QUEUE_POSITION and
 * TEXT_TOKENS, each only when the request names it; the last (or an empty one, when asked for) carries
 * the final flag. Stops as soon as `signal` aborts.
 *
 * @throws {RequestError} INVALID_ARGUMENT for a bad request, UNAVAILABLE when the queue is full.
 */
export function lmStream(
  options: LmStreamOptions,
): (request: ModelInferRequest, send: StreamSend, signal: AbortSignal) => Promise<void> {
  const { progressIntervalFrames, framesPerSecond, slots, livenessIntervalMs, maxTextTokens } = options;
  const replace = options.codes ?? ((_seed: bigint, codes: Int32Array) => codes);
  return async (request, send, signal) => {
    const lm = parseLmRequest(request);
    const ticket = slots.take();
    const header = { model_name: MUSICGEN_LM, model_version: MODEL_VERSION, id: request.id ?? '' };
    const textTokens = Int32Array.from(previewTextTokens(lm.params.text, maxTextTokens));
    let framesDone = 0;
    let lastSent = performance.now();
    let finished = false;
    const respond = (codes: Int32Array, frames: number, final: boolean): Promise<void> => {
      lastSent = performance.now();
      const tensors = [
        { name: LM_TENSORS.CODES, datatype: 'INT32' as const, shape: [CODEBOOKS, frames], data: codes },
        {
          name: LM_TENSORS.FRAMES_DONE,
          datatype: 'INT32' as const,
          shape: [1],
          data: Int32Array.of(framesDone),
        },
        {
          name: LM_TENSORS.QUEUE_POSITION,
          datatype: 'INT32' as const,
          shape: [1],
          data: Int32Array.of(ticket.position()),
        },
        { name: LM_TENSORS.TEXT_TOKENS, datatype: 'INT32' as const, shape: [2], data: textTokens },
      ].filter((t) => lm.outputs.includes(t.name));
      return send({
        infer_response: {
          ...header,
          parameters: finalFlag(final),
          outputs: tensors.map(({ name, datatype, shape }) => ({ name, datatype, shape })),
          raw_output_contents: tensors.map((t) => encodeRawTensor(t)),
        },
      });
    };
    const noFrames = new Int32Array(0);
    const liveness = setInterval(
      () => {
        if (!finished && !signal.aborted && performance.now() - lastSent >= livenessIntervalMs) {
          void respond(noFrames, 0, false);
        }
      },
      Math.max(1, livenessIntervalMs / 4),
    );
    try {
      await respond(noFrames, 0, false);
      const release = await ticket.granted;
      try {
        const generator = new CodeGenerator(lm.params);
        const started = performance.now();
        while (framesDone < lm.numFrames) {
          if (signal.aborted) return;
          const n = Math.min(progressIntervalFrames, lm.numFrames - framesDone);
          const codes = replace(lm.params.seed, generator.nextFrames(n));
          const done = framesDone + n;
          if (framesPerSecond > 0) {
            const due = started + (done / framesPerSecond) * 1000;
            await sleep(Math.max(0, due - performance.now()));
          } else {
            await yieldToLoop();
          }
          if (signal.aborted) return;
          framesDone = done;
          const last = done === lm.numFrames;
          if (last) finished = true;
          await respond(codes, n, last && !lm.emptyFinalResponse);
        }
        if (lm.emptyFinalResponse && !signal.aborted) {
          await send({ infer_response: { ...header, parameters: finalFlag(true), outputs: [] } });
        }
      } finally {
        release();
      }
    } finally {
      finished = true;
      clearInterval(liveness);
    }
  };
}
