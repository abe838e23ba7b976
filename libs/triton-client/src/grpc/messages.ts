/**
 * TypeScript shapes of the `inference.GRPCInferenceService` messages as @grpc/proto-loader hands them
 * over with the options of {@link loadInferenceService}: field names as in the .proto (snake_case),
 * int64/uint64 as decimal strings when received (numbers are accepted when sending), enums as their
 * names, `bytes` as Buffer, repeated fields always present, and oneofs naming their chosen member.
 *
 * @module
 */

/** A 64-bit integer on the wire: received as a decimal string, accepted as a string or number when sent. */
export type Int64 = string | number;

/** `inference.InferParameter`: exactly one member is set; `parameter_choice` names it. */
export interface InferParameter {
  bool_param?: boolean;
  int64_param?: Int64;
  string_param?: string;
  double_param?: number;
  uint64_param?: Int64;
  parameter_choice?: 'bool_param' | 'int64_param' | 'string_param' | 'double_param' | 'uint64_param';
}

/** `inference.InferTensorContents` (typed contents; this project always uses raw contents instead). */
export interface InferTensorContents {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: Int64[];
  uint_contents?: number[];
  uint64_contents?: Int64[];
  fp32_contents?: number[];
  fp64_contents?: number[];
  bytes_contents?: Uint8Array[];
}

/** Tensor description shared by `InferInputTensor` and `InferOutputTensor`. */
export interface InferTensor {
  name: string;
  datatype: string;
  shape: Int64[];
  parameters?: Record<string, InferParameter>;
  contents?: InferTensorContents | null;
}

/** `inference.ModelInferRequest` (also the message type sent on `ModelStreamInfer`). */
export interface ModelInferRequest {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: Record<string, InferParameter>;
  inputs: InferTensor[];
  outputs?: { name: string; parameters?: Record<string, InferParameter> }[];
  raw_input_contents?: Uint8Array[];
}

/** `inference.ModelInferResponse`. */
export interface ModelInferResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: Record<string, InferParameter>;
  outputs: InferTensor[];
  raw_output_contents?: Uint8Array[];
}

/** `inference.ModelStreamInferResponse`: an empty `error_message` means success. */
export interface ModelStreamInferResponse {
  error_message?: string;
  infer_response?: ModelInferResponse | null;
}

/** `inference.ServerMetadataResponse`. */
export interface ServerMetadataResponse {
  name: string;
  version: string;
  extensions: string[];
}

/** `inference.ModelMetadataResponse.TensorMetadata`. */
export interface TensorMetadata {
  name: string;
  datatype: string;
  shape: Int64[];
}

/** `inference.ModelMetadataResponse`. */
export interface ModelMetadataResponse {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

/** Model-config datatype names (`inference.DataType`), e.g. `TYPE_STRING` for BYTES. */
export type ConfigDataType =
  | 'TYPE_INVALID'
  | 'TYPE_BOOL'
  | 'TYPE_UINT8'
  | 'TYPE_UINT16'
  | 'TYPE_UINT32'
  | 'TYPE_UINT64'
  | 'TYPE_INT8'
  | 'TYPE_INT16'
  | 'TYPE_INT32'
  | 'TYPE_INT64'
  | 'TYPE_FP16'
  | 'TYPE_FP32'
  | 'TYPE_FP64'
  | 'TYPE_STRING'
  | 'TYPE_BF16';

/** `inference.ModelInput` (subset). */
export interface ModelConfigInput {
  name: string;
  data_type: ConfigDataType;
  dims: Int64[];
  optional?: boolean;
}

/** `inference.ModelOutput` (subset). */
export interface ModelConfigOutput {
  name: string;
  data_type: ConfigDataType;
  dims: Int64[];
}

/** `inference.ModelConfig` (subset: the fields this project reads or serves). */
export interface ModelConfig {
  name: string;
  platform?: string;
  backend?: string;
  max_batch_size: number;
  input: ModelConfigInput[];
  output: ModelConfigOutput[];
  parameters?: Record<string, { string_value: string }>;
  model_transaction_policy?: { decoupled: boolean } | null;
}

/** `inference.ModelConfigResponse`. */
export interface ModelConfigResponse {
  config: ModelConfig | null;
}
