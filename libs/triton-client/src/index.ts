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
export * from './musicgen/contract.js';
