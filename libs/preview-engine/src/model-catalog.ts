import { MAX_FRAMES_PARAMETER, MODEL_CONTRACTS, type ContractModel } from '@musicgen/contract';
import { type ConfigDataType, type ModelConfig, type ModelMetadataResponse } from '@musicgen/triton-client';

/** The platform every preview model reports, so nobody mistakes it for MusicGen. */
export const PREVIEW_PLATFORM = 'preview';
/** The one model version the engine serves. */
export const MODEL_VERSION = '1';

/** The contract model for a name and version ('' or '1'), or undefined. */
export function findModel(name: string, version = ''): ContractModel | undefined {
  if (version !== '' && version !== MODEL_VERSION) return undefined;
  return Object.hasOwn(MODEL_CONTRACTS, name) ? MODEL_CONTRACTS[name] : undefined;
}

/** `ModelMetadata` for a contract model: platform `preview`, the contract's tensors. */
export function modelMetadata(model: ContractModel): ModelMetadataResponse {
  const tensors = (list: ContractModel['inputs']) =>
    list.map((t) => ({ name: t.name, datatype: t.datatype, shape: [...t.shape] }));
  return {
    name: model.name,
    versions: [MODEL_VERSION],
    platform: PREVIEW_PLATFORM,
    inputs: tensors(model.inputs),
    outputs: tensors(model.outputs),
  };
}

/** `ModelConfig` for a contract model, with `max_frames` on `encodec_decode`. */
export function modelConfig(model: ContractModel, maxDecodeFrames: number): ModelConfig {
  const configType = (datatype: string) =>
    (datatype === 'BYTES' ? 'TYPE_STRING' : `TYPE_${datatype}`) as ConfigDataType;
  const parameters: Record<string, { string_value: string }> = {};
  if (model.parameters.includes(MAX_FRAMES_PARAMETER)) {
    parameters[MAX_FRAMES_PARAMETER] = { string_value: String(maxDecodeFrames) };
  }
  return {
    name: model.name,
    platform: PREVIEW_PLATFORM,
    backend: PREVIEW_PLATFORM,
    max_batch_size: 0,
    input: model.inputs.map((t) => ({
      name: t.name,
      data_type: configType(t.datatype),
      dims: [...t.shape],
      optional: t.optional,
    })),
    output: model.outputs.map((t) => ({
      name: t.name,
      data_type: configType(t.datatype),
      dims: [...t.shape],
    })),
    parameters,
    model_transaction_policy: { decoupled: model.decoupled },
  };
}
