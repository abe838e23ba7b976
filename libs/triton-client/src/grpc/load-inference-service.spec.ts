import { describe, expect, it } from 'vitest';
import { loadInferenceService } from './load-inference-service.js';

describe('loadInferenceService', () => {
  it('returns the inference.GRPCInferenceService methods with their wire paths and streaming kinds', () => {
    const service = loadInferenceService();
    const methods = Object.fromEntries(
      Object.entries(service).map(([name, m]) => [
        name,
        { path: m.path, requestStream: m.requestStream, responseStream: m.responseStream },
      ]),
    );
    const unary = (rpc: string) => ({
      path: `/inference.GRPCInferenceService/${rpc}`,
      requestStream: false,
      responseStream: false,
    });
    expect(methods).toEqual({
      ServerLive: unary('ServerLive'),
      ServerReady: unary('ServerReady'),
      ModelReady: unary('ModelReady'),
      ServerMetadata: unary('ServerMetadata'),
      ModelMetadata: unary('ModelMetadata'),
      ModelInfer: unary('ModelInfer'),
      ModelStreamInfer: {
        path: '/inference.GRPCInferenceService/ModelStreamInfer',
        requestStream: true,
        responseStream: true,
      },
      ModelConfig: unary('ModelConfig'),
    });
    expect(loadInferenceService()).toBe(service);
  });

  it('encodes Triton field numbers: ModelInferRequest.id is field 3, raw_input_contents field 7', () => {
    const { ModelInfer } = loadInferenceService();
    if (ModelInfer === undefined) throw new Error('ModelInfer missing');
    const bytes = ModelInfer.requestSerialize({ id: 'a', raw_input_contents: [Buffer.from([9])] });
    // field 3 wire type 2 (tag 0x1a), length 1, 'a'; field 7 wire type 2 (tag 0x3a), length 1, 0x09
    expect(bytes.toString('hex')).toBe('1a01613a0109');
  });

  it('decodes a ModelStreamInferResponse with the final flag as a bool parameter', () => {
    const { ModelStreamInfer } = loadInferenceService();
    if (ModelStreamInfer === undefined) throw new Error('ModelStreamInfer missing');
    const bytes = ModelStreamInfer.responseSerialize({
      infer_response: { id: '7', parameters: { triton_final_response: { bool_param: true } } },
    });
    const decoded = ModelStreamInfer.responseDeserialize(bytes);
    expect(decoded).toEqual({
      error_message: '',
      infer_response: {
        model_name: '',
        model_version: '',
        id: '7',
        parameters: { triton_final_response: { bool_param: true, parameter_choice: 'bool_param' } },
        outputs: [],
        raw_output_contents: [],
      },
    });
  });
});
