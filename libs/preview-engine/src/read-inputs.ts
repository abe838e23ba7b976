import type { ContractModel } from '@musicgen/contract';
import {
  decodeRawTensor,
  type InferTensor,
  type ModelInferRequest,
  type Tensor,
} from '@musicgen/triton-client';
import { invalidArgument } from './request-error.js';

/**
 * Reads and checks a request's input tensors against a contract model: every input must be one the
 * model has, appear once, carry the contract's datatype and shape (`variable` names the free
 * dimension in messages, which must be >= 1), and its data (raw contents or typed contents, never
 * both) must match that shape.
 */
export function readInputs(
  request: ModelInferRequest,
  model: ContractModel,
  variable: string,
): Map<string, Tensor> {
  const raw = request.raw_input_contents ?? [];
  if (raw.length > 0 && raw.length !== request.inputs.length) {
    throw invalidArgument(
      `raw_input_contents must hold one entry per input (${request.inputs.length} inputs): got ${raw.length}`,
    );
  }
  const expectedNames = model.inputs.map((t) => t.name).join(', ');
  const tensors = new Map<string, Tensor>();
  request.inputs.forEach((input, index) => {
    const spec = model.inputs.find((t) => t.name === input.name);
    if (!spec) {
      throw invalidArgument(
        `unknown input for model '${model.name}' (inputs: ${expectedNames}): got '${input.name}'`,
      );
    }
    if (tensors.has(input.name)) throw invalidArgument(`${input.name} must appear once: got it twice`);
    if (input.datatype !== spec.datatype) {
      throw invalidArgument(
        `${input.name} must have datatype ${spec.datatype}: got ${input.datatype || "''"}`,
      );
    }
    const shape = input.shape.map(Number);
    const fits =
      shape.length === spec.shape.length &&
      shape.every((dim, i) =>
        spec.shape[i] === -1 ? Number.isSafeInteger(dim) && dim >= 1 : dim === spec.shape[i],
      );
    if (!fits) {
      const wanted = spec.shape.map((d) => (d === -1 ? variable : String(d))).join(', ');
      const rule = spec.shape.includes(-1) ? ` with ${variable} >= 1` : '';
      throw invalidArgument(`${input.name} must have shape [${wanted}]${rule}: got [${shape.join(', ')}]`);
    }
    const typed = typedContents(input);
    if (raw.length > 0 && typed) {
      throw invalidArgument(`${input.name} must not set contents when raw_input_contents is used: got both`);
    }
    try {
      const header = { name: input.name, datatype: input.datatype, shape };
      tensors.set(
        input.name,
        raw.length > 0 ? decodeRawTensor(header, raw[index] as Uint8Array) : fromTyped(header, input),
      );
    } catch (error) {
      throw invalidArgument((error as Error).message);
    }
  });
  return tensors;
}

function typedContents(input: InferTensor): boolean {
  const c = input.contents;
  if (!c) return false;
  return Object.values(c).some((v) => Array.isArray(v) && v.length > 0);
}

function fromTyped(header: { name: string; datatype: string; shape: number[] }, input: InferTensor): Tensor {
  const c = input.contents ?? {};
  const count = header.shape.reduce((a, b) => a * b, 1);
  const check = (length: number) => {
    if (length !== count) {
      throw new RangeError(
        `${header.name} contents must hold ${count} element(s) for shape [${header.shape.join(', ')}]: got ${length}`,
      );
    }
  };
  const { name, shape } = header;
  switch (header.datatype) {
    case 'INT32':
      check(c.int_contents?.length ?? 0);
      return { name, shape, datatype: 'INT32', data: Int32Array.from(c.int_contents ?? []) };
    case 'INT64':
      check(c.int64_contents?.length ?? 0);
      return {
        name,
        shape,
        datatype: 'INT64',
        data: BigInt64Array.from(c.int64_contents ?? [], (v) => BigInt(v)),
      };
    case 'FP32':
      check(c.fp32_contents?.length ?? 0);
      return { name, shape, datatype: 'FP32', data: Float32Array.from(c.fp32_contents ?? []) };
    case 'BYTES':
      check(c.bytes_contents?.length ?? 0);
      return {
        name,
        shape,
        datatype: 'BYTES',
        data: (c.bytes_contents ?? []).map((b) => Uint8Array.from(b)),
      };
    default:
      throw new RangeError(
        `${header.name} has a datatype the preview engine does not read: got ${header.datatype}`,
      );
  }
}
