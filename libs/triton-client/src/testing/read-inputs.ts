import type { ModelInferRequest } from '../grpc/messages.js';
import type { Tensor } from '../tensor/datatype.js';
import { decodeRawTensor } from '../tensor/decode-raw-tensor.js';

/**
 * Decodes every input of a received request from its raw contents, by name.
 *
 * @example
 * ```ts
 * const inputs = readInputs(request);
 * inputs['NUM_FRAMES']?.data; // Int32Array [250]
 * ```
 */
export function readInputs(request: ModelInferRequest): Record<string, Tensor> {
  const raw = request.raw_input_contents ?? [];
  const inputs: Record<string, Tensor> = {};
  request.inputs.forEach((input, index) => {
    const header = { name: input.name, datatype: input.datatype, shape: input.shape.map(Number) };
    inputs[input.name] = decodeRawTensor(header, raw[index] ?? new Uint8Array(0));
  });
  return inputs;
}
