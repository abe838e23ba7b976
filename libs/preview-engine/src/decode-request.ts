import { CODE_MAX, CODE_MIN, DECODE_TENSORS, ENCODEC_DECODE_CONTRACT } from '@musicgen/contract';
import type { ModelInferRequest } from '@musicgen/triton-client';
import { readInputs } from './read-inputs.js';
import { invalidArgument } from './request-error.js';

/** A checked `encodec_decode` request: codebook-major codes `[4, frames]`. */
export interface DecodeRequest {
  codes: Int32Array;
  frames: number;
}

/**
 * Checks an `encodec_decode` request: CODES INT32 `[1, 4, T]`, 1 <= T <= maxFrames, values 0..2047.
 *
 * @throws {RequestError} INVALID_ARGUMENT for any bad input.
 */
export function parseDecodeRequest(request: ModelInferRequest, maxFrames: number): DecodeRequest {
  const inputs = readInputs(request, ENCODEC_DECODE_CONTRACT, 'T');
  const codes = inputs.get(DECODE_TENSORS.CODES);
  if (codes?.datatype !== 'INT32') {
    throw invalidArgument(`CODES is required: got inputs [${[...inputs.keys()].join(', ')}]`);
  }
  const frames = codes.shape[2] as number;
  if (frames > maxFrames) {
    throw invalidArgument(`CODES must have at most ${maxFrames} frames (max_frames): got ${frames}`);
  }
  for (let i = 0; i < codes.data.length; i++) {
    const value = codes.data[i] as number;
    if (value < CODE_MIN || value > CODE_MAX) {
      throw invalidArgument(
        `CODES value out of range ${CODE_MIN}..${CODE_MAX} at [0, ${Math.floor(i / frames)}, ${i % frames}]: got ${value}`,
      );
    }
  }
  for (const o of request.outputs ?? []) {
    if (o.name !== DECODE_TENSORS.AUDIO) {
      throw invalidArgument(`unknown output for model 'encodec_decode' (outputs: AUDIO): got '${o.name}'`);
    }
  }
  return { codes: codes.data, frames };
}
