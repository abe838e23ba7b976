import type { Codes } from '@musicgen/contract';
import type { DecodeOptions, GenerateWindowRequest } from '@musicgen/triton-client';

/** What the pipeline needs from the inference side: generate one window, decode codes to audio. */
export interface GenerationBackend {
  /** `host:port` of each endpoint in use. */
  readonly endpoints: readonly string[];
  generateWindow(request: GenerateWindowRequest): Promise<Codes>;
  decode(codes: Codes, options?: DecodeOptions): Promise<Float32Array>;
}
