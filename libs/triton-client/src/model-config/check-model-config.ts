import type { ModelConfig } from '../grpc/messages.js';
import type { ContractModel, ContractTensor } from '@musicgen/contract';
import type { DataType } from '../tensor/datatype.js';

/**
 * The model-config name of a datatype: `TYPE_STRING` for BYTES, `TYPE_<datatype>` otherwise.
 *
 * @example
 * ```ts
 * configDataType('BYTES'); // 'TYPE_STRING'
 * ```
 */
export function configDataType(datatype: DataType): string {
  return datatype === 'BYTES' ? 'TYPE_STRING' : `TYPE_${datatype}`;
}

/**
 * Compares a model config (from a `config.pbtxt` or a server's ModelConfig RPC) with the contract and
 * returns one precise message per disagreement; an empty list means they agree. Checked: name,
 * `max_batch_size` (with batching, the contract's leading dimension of 1 is the batch dimension),
 * decoupled transaction policy, every input and output (presence, data_type, dims with -1 for
 * variable, optional flags) and the parameters the contract requires.
 *
 * @example
 * ```ts
 * checkModelConfig(modelConfigFromPbtxt(text), MUSICGEN_LM_CONTRACT); // [] when in step
 * ```
 */
export function checkModelConfig(config: ModelConfig, contract: ContractModel): string[] {
  const problems: string[] = [];
  const say = (text: string): number => problems.push(`${contract.name}: ${text}`);
  if (config.name !== '' && config.name !== contract.name)
    say(`name must be '${contract.name}': got '${config.name}'`);
  const batching = contract.maxBatchSize === null && config.max_batch_size > 0;
  if (contract.maxBatchSize !== null && config.max_batch_size !== contract.maxBatchSize) {
    say(`max_batch_size must be ${contract.maxBatchSize}: got ${config.max_batch_size}`);
  }
  const decoupled = config.model_transaction_policy?.decoupled ?? false;
  if (decoupled !== contract.decoupled)
    say(`model_transaction_policy.decoupled must be ${contract.decoupled}: got ${decoupled}`);

  const compare = (
    kind: 'input' | 'output',
    actual: readonly {
      name: string;
      data_type: string;
      dims: readonly (string | number)[];
      optional?: boolean;
    }[],
    expected: readonly ContractTensor[],
  ): void => {
    for (const tensor of expected) {
      const found = actual.find((t) => t.name === tensor.name);
      if (found === undefined) {
        say(`${kind} ${tensor.name} is missing`);
        continue;
      }
      const type = configDataType(tensor.datatype);
      if (found.data_type !== type)
        say(`${kind} ${tensor.name} data_type must be ${type} (${tensor.datatype}): got ${found.data_type}`);
      const dims = found.dims.map(Number);
      const wanted = batching ? batchedDims(tensor) : [...tensor.shape];
      const note = batching ? ` (max_batch_size ${config.max_batch_size} adds the batch dimension)` : '';
      if (wanted === undefined) {
        say(
          `${kind} ${tensor.name} cannot be batched: shape [${tensor.shape.join(', ')}] has no leading 1${note}`,
        );
      } else if (dims.join(',') !== wanted.join(',')) {
        say(`${kind} ${tensor.name} dims must be [${wanted.join(', ')}]${note}: got [${dims.join(', ')}]`);
      }
      if (kind === 'input' && (found.optional ?? false) !== tensor.optional) {
        say(`${kind} ${tensor.name} optional must be ${tensor.optional}: got ${found.optional ?? false}`);
      }
    }
    for (const extra of actual.filter((t) => !expected.some((e) => e.name === t.name))) {
      say(`${kind} ${extra.name} is not in the contract`);
    }
  };
  compare('input', config.input, contract.inputs);
  compare('output', config.output, contract.outputs);
  for (const key of contract.parameters) {
    if (config.parameters?.[key] === undefined) say(`parameter ${key} is missing`);
  }
  return problems;
}

function batchedDims(tensor: ContractTensor): number[] | undefined {
  return tensor.shape[0] === 1 ? tensor.shape.slice(1) : undefined;
}
