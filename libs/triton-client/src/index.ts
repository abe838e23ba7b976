export {
  TritonClient,
  type CallOptions,
  type InferOptions,
  type StreamInferOptions,
} from './client/triton-client.js';
export {
  TRITON_CLIENT_DEFAULTS,
  type TritonClientOptions,
  type ResolvedTritonClientOptions,
} from './client/triton-client-options.js';
export type { InferRequest, InferResult, InferParameterValue } from './client/infer-types.js';
export { TritonError, statusName, type TritonErrorInit } from './errors/triton-error.js';
export {
  BACKOFF_INITIAL_DELAY_MS,
  BACKOFF_MULTIPLIER,
  BACKOFF_MAX_DELAY_MS,
  BACKOFF_JITTER,
  backoffDelayMs,
  retryWithBackoff,
  sleep,
  type BackoffOptions,
  type RetryOptions,
} from './retry/backoff.js';
export {
  loadInferenceService,
  GRPC_SERVICE_PROTO_PATH,
  PROTO_LOADER_OPTIONS,
} from './grpc/load-inference-service.js';
export { TRITON_ENABLE_EMPTY_FINAL_RESPONSE, TRITON_FINAL_RESPONSE } from './grpc/reserved-parameters.js';
export type * from './grpc/messages.js';
export {
  DATATYPES,
  ELEMENT_BYTES,
  isDataType,
  type DataType,
  type FixedSizeDataType,
  type Tensor,
  type TensorDataByType,
} from './tensor/datatype.js';
export { encodeRawTensor } from './tensor/encode-raw-tensor.js';
export { decodeRawTensor, type RawTensorHeader } from './tensor/decode-raw-tensor.js';
export {
  MusicgenClient,
  DEFAULT_DECODE_OVERLAP_FRAMES,
  type MusicgenClientOptions,
  type GenerateWindowRequest,
  type WindowProgress,
  type DecodeOptions,
} from './musicgen/musicgen-client.js';
export { planDecodeSegments, type DecodeSegment } from './musicgen/plan-decode-segments.js';
export { parsePbtxt, type PbtxtMessage, type PbtxtValue } from './model-config/parse-pbtxt.js';
export { modelConfigFromPbtxt } from './model-config/model-config-from-pbtxt.js';
export { checkModelConfig, configDataType } from './model-config/check-model-config.js';
