import type { InferParameter, ModelInferRequest, ModelInferResponse } from '../grpc/messages.js';
import type { Tensor } from '../tensor/datatype.js';
import { decodeRawTensor } from '../tensor/decode-raw-tensor.js';
import { encodeRawTensor } from '../tensor/encode-raw-tensor.js';

/**
 * A request parameter value: boolean → `bool_param`, bigint or integral number → `int64_param`,
 * other number → `double_param`, string → `string_param`.
 */
export type InferParameterValue = boolean | number | bigint | string;

/** One inference request in typed form. */
export interface InferRequest {
  /** Model name. */
  readonly model: string;
  /** Model version; empty or absent lets the server choose. */
  readonly version?: string;
  /** Input tensors, sent as raw contents. */
  readonly inputs: readonly Tensor[];
  /** Names of the outputs wanted; absent means every output. */
  readonly outputs?: readonly string[];
  /** Request parameters. */
  readonly parameters?: Readonly<Record<string, InferParameterValue>>;
}

/** One decoded response. */
export interface InferResult {
  readonly model: string;
  readonly version: string;
  readonly id: string;
  /** Response parameters; int64/uint64 values arrive as bigint. */
  readonly parameters: Readonly<Record<string, InferParameterValue>>;
  /** Output tensors by name. */
  readonly outputs: Readonly<Record<string, Tensor>>;
}

export function toInferParameter(value: InferParameterValue): InferParameter {
  switch (typeof value) {
    case 'boolean':
      return { bool_param: value };
    case 'string':
      return { string_param: value };
    case 'bigint':
      return { int64_param: value.toString() };
    default:
      return Number.isInteger(value) ? { int64_param: value } : { double_param: value };
  }
}

export function fromInferParameter(parameter: InferParameter): InferParameterValue | undefined {
  switch (parameter.parameter_choice) {
    case 'bool_param':
      return parameter.bool_param ?? false;
    case 'string_param':
      return parameter.string_param ?? '';
    case 'double_param':
      return parameter.double_param ?? 0;
    case 'int64_param':
      return BigInt(parameter.int64_param ?? 0);
    case 'uint64_param':
      return BigInt(parameter.uint64_param ?? 0);
    default:
      return undefined;
  }
}

/** Builds the wire message for a typed request (raw input contents, one entry per input). */
export function toWireRequest(request: InferRequest, id: string): ModelInferRequest {
  const parameters: Record<string, InferParameter> = {};
  for (const [key, value] of Object.entries(request.parameters ?? {}))
    parameters[key] = toInferParameter(value);
  return {
    model_name: request.model,
    model_version: request.version ?? '',
    id,
    parameters,
    inputs: request.inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: [...t.shape] })),
    outputs: (request.outputs ?? []).map((name) => ({ name })),
    raw_input_contents: request.inputs.map(encodeRawTensor),
  };
}

/**
 * Decodes a wire response: every output from its raw contents, with byte counts checked.
 *
 * @throws {RangeError | TypeError} when an output's raw contents are missing or disagree with its
 *   datatype and shape.
 */
export function fromWireResponse(response: ModelInferResponse): InferResult {
  const raw = response.raw_output_contents ?? [];
  const { outputs: wireOutputs } = response;
  const outputs: Record<string, Tensor> = {};
  for (let index = 0; index < wireOutputs.length; index++) {
    const output = wireOutputs[index] as ModelInferResponse['outputs'][number];
    const bytes = raw[index];
    if (bytes === undefined) {
      throw new RangeError(
        `Cannot decode tensor '${output.name}': the response has no raw contents for output ${index}: ` +
          `got ${raw.length} raw entries for ${wireOutputs.length} outputs`,
      );
    }
    const shape: number[] = [];
    for (const dim of output.shape) shape.push(Number(dim));
    outputs[output.name] = decodeRawTensor({ name: output.name, datatype: output.datatype, shape }, bytes);
  }
  const parameters: Record<string, InferParameterValue> = {};
  const wireParameters = response.parameters;
  if (wireParameters !== undefined) {
    for (const key in wireParameters) {
      const value = fromInferParameter(wireParameters[key] as InferParameter);
      if (value !== undefined) parameters[key] = value;
    }
  }
  return {
    model: response.model_name,
    version: response.model_version ?? '',
    id: response.id ?? '',
    parameters,
    outputs,
  };
}
