import { CODEBOOKS, LM_TENSORS, MUSICGEN_LM } from '@musicgen/contract';
import { TRITON_FINAL_RESPONSE, encodeRawTensor, type ModelInferRequest } from '@musicgen/triton-client';
import type { StreamSend } from '@musicgen/triton-client/server';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { CodeGenerator } from './code-generator.js';
import { parseLmRequest } from './lm-request.js';
import { MODEL_VERSION } from './model-catalog.js';
import type { SlotLimiter } from './slot-limiter.js';

/** How `musicgen_lm` streams. */
export interface LmStreamOptions {
  /** Frames between streamed responses. */
  readonly progressIntervalFrames: number;
  /** Throttle to this many frames per second per request; 0 = as fast as possible. */
  readonly framesPerSecond: number;
  /** The engine's generation slots, shared by every stream. */
  readonly slots: SlotLimiter;
}

function finalFlag(value: boolean) {
  return { [TRITON_FINAL_RESPONSE]: { bool_param: value } };
}

/**
 * `musicgen_lm` on a stream: checks the request, waits for a generation slot, then sends the codes
 * `progressIntervalFrames` at a time, each response with the frames done so far and only the outputs
 * the request names; the last (or an empty one, when asked for) carries the final flag. Stops as soon
 * as `signal` aborts.
 *
 * @throws {RequestError} INVALID_ARGUMENT for a bad request, UNAVAILABLE when the queue is full.
 */
export function lmStream(
  options: LmStreamOptions,
): (request: ModelInferRequest, send: StreamSend, signal: AbortSignal) => Promise<void> {
  const { progressIntervalFrames, framesPerSecond, slots } = options;
  return async (request, send, signal) => {
    const lm = parseLmRequest(request);
    const release = await slots.acquire();
    try {
      const generator = new CodeGenerator(lm.params);
      const started = performance.now();
      const header = { model_name: MUSICGEN_LM, model_version: MODEL_VERSION, id: request.id ?? '' };
      let done = 0;
      while (done < lm.numFrames) {
        if (signal.aborted) return;
        const n = Math.min(progressIntervalFrames, lm.numFrames - done);
        const codes = generator.nextFrames(n);
        done += n;
        if (framesPerSecond > 0) {
          const due = started + (done / framesPerSecond) * 1000;
          await sleep(Math.max(0, due - performance.now()));
        } else {
          await yieldToLoop();
        }
        if (signal.aborted) return;
        const last = done === lm.numFrames;
        const tensors = [
          { name: LM_TENSORS.CODES, datatype: 'INT32' as const, shape: [CODEBOOKS, n], data: codes },
          {
            name: LM_TENSORS.FRAMES_DONE,
            datatype: 'INT32' as const,
            shape: [1],
            data: Int32Array.of(done),
          },
        ].filter((t) => lm.outputs.includes(t.name));
        await send({
          infer_response: {
            ...header,
            parameters: finalFlag(last && !lm.emptyFinalResponse),
            outputs: tensors.map(({ name, datatype, shape }) => ({ name, datatype, shape })),
            raw_output_contents: tensors.map((t) => encodeRawTensor(t)),
          },
        });
      }
      if (lm.emptyFinalResponse && !signal.aborted) {
        await send({ infer_response: { ...header, parameters: finalFlag(true), outputs: [] } });
      }
    } finally {
      release();
    }
  };
}
