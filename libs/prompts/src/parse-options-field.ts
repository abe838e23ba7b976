import { samplingProblem, seedProblem, type SamplingName } from '@musicgen/contract';
import type { GenerationParameters } from './generation-parameters.js';

/** Per-line overrides from an OPTIONS field. */
export type LineOverrides = { -readonly [K in keyof GenerationParameters]?: number } & { seed?: number };

/** One `key=value` token of an OPTIONS field; `index` is its UTF-16 offset in the line. */
export interface OptionToken {
  readonly text: string;
  readonly key: string;
  readonly value: string;
  readonly index: number;
}

/** A problem with one token; `index` is the token's UTF-16 offset in the line. */
export interface OptionProblem {
  readonly index: number;
  readonly message: string;
}

type Field = keyof LineOverrides;

const TOKEN = /^[A-Za-z_][\w-]*=\S*$/;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

const OPTIONS: Record<
  string,
  { field: Field; name: string; problem: (value: number) => string | undefined }
> = {
  seed: { field: 'seed', name: 'seed', problem: seedProblem },
  guidance: sampling('guidance', 'guidance'),
  top_k: sampling('topK', 'top_k'),
  'top-k': sampling('topK', 'top_k'),
  top_p: sampling('topP', 'top_p'),
  'top-p': sampling('topP', 'top_p'),
  temperature: sampling('temperature', 'temperature'),
};

function sampling(field: SamplingName, name: string) {
  return { field, name, problem: (value: number) => samplingProblem(field, value) };
}

/**
 * Splits the text after a line's last `;` into `key=value` tokens when it consists only of such tokens
 * (at least one); returns undefined otherwise, and the text is then not an OPTIONS field.
 * `offset` is the UTF-16 offset of `text` in its line.
 */
export function recogniseOptions(text: string, offset: number): OptionToken[] | undefined {
  if (!text.includes('=')) return undefined;
  const tokens: OptionToken[] = [];
  const words = /\S+/g;
  for (let match = words.exec(text); match !== null; match = words.exec(text)) {
    const word = match[0];
    if (!TOKEN.test(word)) return undefined;
    const equals = word.indexOf('=');
    tokens.push({
      text: word,
      key: word.slice(0, equals),
      value: word.slice(equals + 1),
      index: offset + match.index,
    });
  }
  return tokens.length > 0 ? tokens : undefined;
}

/**
 * Reads recognised tokens into overrides; keys are `seed`, `guidance`, `top_k` (or `top-k`), `top_p`
 * (or `top-p`) and `temperature`, in any case. Unknown keys, bad values and repeated keys are problems.
 */
export function parseOptionTokens(tokens: readonly OptionToken[]): {
  overrides: LineOverrides;
  problems: OptionProblem[];
} {
  const overrides: LineOverrides = {};
  const problems: OptionProblem[] = [];
  const seen = new Set<Field>();
  const found = (token: OptionToken): string => `found ${JSON.stringify(token.text)}`;
  for (const token of tokens) {
    const option = OPTIONS[token.key.toLowerCase()];
    if (option === undefined) {
      problems.push({
        index: token.index,
        message: `option ${JSON.stringify(token.key)} is unknown (use seed, guidance, top_k, top_p or temperature): ${found(token)}`,
      });
      continue;
    }
    if (seen.has(option.field)) {
      problems.push({ index: token.index, message: `option ${option.name} is given twice: ${found(token)}` });
      continue;
    }
    seen.add(option.field);
    const value = NUMBER.test(token.value) ? Number(token.value) : Number.NaN;
    const problem = option.problem(value);
    if (problem !== undefined) {
      problems.push({ index: token.index, message: `option ${option.name} ${problem}: ${found(token)}` });
      continue;
    }
    overrides[option.field] = value === 0 ? 0 : value;
  }
  return { overrides, problems };
}
