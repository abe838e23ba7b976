export {
  CODEBOOKS,
  CODEBOOK_SIZE,
  CODE_MIN,
  CODE_MAX,
  SAMPLE_RATE_HZ,
  SAMPLES_PER_FRAME,
  FRAME_RATE_HZ,
  MAX_WINDOW_FRAMES,
  DELAY_STEPS,
  samplesForFrames,
  secondsForFrames,
} from './codec.js';
export { copyCodeFrames, sliceCodes, concatCodes, codesProblem, type Codes } from './codes.js';
export {
  DEFAULT_SAMPLING,
  SAMPLING_LIMITS,
  SAMPLING_NAMES,
  MAX_SEED,
  samplingProblem,
  checkSampling,
  seedProblem,
  type SamplingParameters,
  type SamplingName,
  type SamplingLimit,
} from './sampling.js';
export {
  MUSICGEN_LM,
  ENCODEC_DECODE,
  MUSICGEN_INFO,
  DEFAULT_MODEL_ID,
  VARIABLE_DIM,
  MAX_FRAMES_PARAMETER,
  LM_TENSORS,
  SAMPLING_TENSORS,
  DECODE_TENSORS,
  INFO_TENSORS,
  MUSICGEN_LM_CONTRACT,
  ENCODEC_DECODE_CONTRACT,
  MUSICGEN_INFO_CONTRACT,
  MODEL_CONTRACTS,
  type ContractDataType,
  type ContractTensor,
  type ContractModel,
} from './models.js';
export {
  FP32_MIN_NORMAL,
  FP32_MAX,
  INT32_MIN,
  INT32_MAX,
  fp32Problem,
  int32Problem,
} from './wire-numbers.js';
export { ERROR_CLASSES, tagError, readErrorTag, type ErrorClass } from './errors.js';
export {
  CONTRACT_VERSION,
  parseServerFacts,
  serverFactsJson,
  type ServerFacts,
  type ServedModelFacts,
  type LmFacts,
  type DecodeFacts,
  type WeightsKind,
} from './facts.js';
