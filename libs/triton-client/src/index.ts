// What users of the client need. Internals (datatype tables, segment planning, the pbtxt parser,
// proto-loader settings) stay in their modules; servers are on `./server`, test helpers on `./testing`.
export {
  TritonClient,
  type CallOptions,
  type InferOptions,
  type StreamInferOptions,
} from './client/triton-client.js';
export { TRITON_CLIENT_DEFAULTS, type TritonClientOptions } from './client/triton-client-options.js';
export type { InferRequest, InferResult, InferParameterValue } from './client/infer-types.js';
export { TritonError } from './errors/triton-error.js';
export {
  backoffDelayMs,
  retryWithBackoff,
  sleep,
  type BackoffOptions,
  type RetryOptions,
} from './retry/backoff.js';
export { loadInferenceService } from './grpc/load-inference-service.js';
export { TRITON_ENABLE_EMPTY_FINAL_RESPONSE, TRITON_FINAL_RESPONSE } from './grpc/reserved-parameters.js';
export type * from './grpc/messages.js';
export type { DataType, Tensor } from './tensor/datatype.js';
export { encodeRawTensor } from './tensor/encode-raw-tensor.js';
export { decodeRawTensor, type RawTensorHeader } from './tensor/decode-raw-tensor.js';
export {
  MusicgenClient,
  type MusicgenClientOptions,
  type GenerateWindowRequest,
  type WindowProgress,
  type DecodeOptions,
} from './musicgen/musicgen-client.js';
export { modelConfigFromPbtxt } from './model-config/model-config-from-pbtxt.js';
export { checkModelConfig } from './model-config/check-model-config.js';
