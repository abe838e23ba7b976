import type { ConfigDataType, ModelConfig, ModelConfigInput, ModelConfigOutput } from '../grpc/messages.js';
import { parsePbtxt, type PbtxtMessage, type PbtxtValue } from './parse-pbtxt.js';

/**
 * Reads a Triton `config.pbtxt` into the {@link ModelConfig} fields this project uses: `name`,
 * `platform`, `backend`, `max_batch_size`, `input`/`output` (`name`, `data_type`, `dims`,
 * `optional`), `parameters` (string values) and `model_transaction_policy.decoupled`. Other fields
 * are parsed and ignored.
 *
 * @throws {SyntaxError} when the text is not valid text format or a field has the wrong kind of value.
 *
 * @example
 * ```ts
 * modelConfigFromPbtxt('name: "m" max_batch_size: 0 input [ { name: "X" data_type: TYPE_FP32 dims: [ -1 ] } ]');
 * ```
 */
export function modelConfigFromPbtxt(text: string, source = 'config.pbtxt'): ModelConfig {
  const root = parsePbtxt(text, source);
  const scalar = (message: PbtxtMessage, field: string, fallback: string): string => {
    const value = message[field]?.at(-1);
    if (value === undefined) return fallback;
    if (typeof value !== 'string')
      throw new SyntaxError(`Cannot read ${source}: '${field}' must be a scalar: got a message`);
    return value;
  };
  const messages = (message: PbtxtMessage, field: string): PbtxtMessage[] =>
    (message[field] ?? []).map((value: PbtxtValue) => {
      if (typeof value === 'string') {
        throw new SyntaxError(`Cannot read ${source}: '${field}' must be a message: got '${value}'`);
      }
      return value;
    });
  const integer = (message: PbtxtMessage, field: string, value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed)) {
      throw new SyntaxError(
        `Cannot read ${source}: '${field}' of '${scalar(message, 'name', '?')}' must be an integer: got '${value}'`,
      );
    }
    return parsed;
  };
  const dims = (message: PbtxtMessage): number[] =>
    (message['dims'] ?? []).map((value) =>
      integer(message, 'dims', typeof value === 'string' ? value : '{...}'),
    );

  const input: ModelConfigInput[] = messages(root, 'input').map((m) => ({
    name: scalar(m, 'name', ''),
    data_type: scalar(m, 'data_type', 'TYPE_INVALID') as ConfigDataType,
    dims: dims(m),
    optional: scalar(m, 'optional', 'false') === 'true',
  }));
  const output: ModelConfigOutput[] = messages(root, 'output').map((m) => ({
    name: scalar(m, 'name', ''),
    data_type: scalar(m, 'data_type', 'TYPE_INVALID') as ConfigDataType,
    dims: dims(m),
  }));
  const parameters: Record<string, { string_value: string }> = {};
  for (const m of messages(root, 'parameters')) {
    const [value] = messages(m, 'value');
    parameters[scalar(m, 'key', '')] = {
      string_value: value === undefined ? '' : scalar(value, 'string_value', ''),
    };
  }
  const [policy] = messages(root, 'model_transaction_policy');
  return {
    name: scalar(root, 'name', ''),
    platform: scalar(root, 'platform', ''),
    backend: scalar(root, 'backend', ''),
    max_batch_size: integer(root, 'max_batch_size', scalar(root, 'max_batch_size', '0')),
    input,
    output,
    parameters,
    model_transaction_policy: {
      decoupled: policy !== undefined && scalar(policy, 'decoupled', 'false') === 'true',
    },
  };
}
