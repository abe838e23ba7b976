import { describe, expect, it } from 'vitest';
import { parsePbtxt } from './parse-pbtxt.js';

describe('parsePbtxt', () => {
  it('parses scalars, messages, lists, repeated fields, comments and separators', () => {
    const text = [
      '# a comment',
      'name: "musicgen_lm"  # trailing comment',
      "backend: 'python'",
      'max_batch_size: 0',
      'model_transaction_policy { decoupled: true }',
      'input [',
      '  { name: "TEXT", data_type: TYPE_STRING, dims: [ 1 ] },',
      '  { name: "CODES" data_type: TYPE_INT32 dims: [ 4, -1 ] optional: true }',
      ']',
      'parameters { key: "a" value: { string_value: "x\\"y" } }',
      'parameters: { key: "b"; value < string_value: "2" > }',
      'empty: []',
    ].join('\n');
    expect(parsePbtxt(text)).toEqual({
      name: ['musicgen_lm'],
      backend: ['python'],
      max_batch_size: ['0'],
      model_transaction_policy: [{ decoupled: ['true'] }],
      input: [
        { name: ['TEXT'], data_type: ['TYPE_STRING'], dims: ['1'] },
        { name: ['CODES'], data_type: ['TYPE_INT32'], dims: ['4', '-1'], optional: ['true'] },
      ],
      parameters: [
        { key: ['a'], value: [{ string_value: ['x"y'] }] },
        { key: ['b'], value: [{ string_value: ['2'] }] },
      ],
      empty: [],
    });
  });

  it.each([
    ['name "x"', "Cannot parse config.pbtxt at 1:6: expected ':' or '{' after field 'name': got 'x'"],
    [
      'input [ { name: "a" } ',
      "Cannot parse config.pbtxt at end of input: expected ',' or ']': got end of input",
    ],
    ['a { b: 1', "Cannot parse config.pbtxt at end of input: expected a field name or '}': got end of input"],
    ['dims: [ 1 2 ]', "Cannot parse config.pbtxt at 1:11: expected ',' or ']': got '2'"],
    ['}', "Cannot parse config.pbtxt at 1:1: expected a field name: got '}'"],
    ['name: "x\n"', 'Cannot parse config.pbtxt at 1:7: expected a closing ": got end of line'],
    ['a: :', "Cannot parse config.pbtxt at 1:4: expected a value: got ':'"],
  ])('rejects %j with line and column', (text, message) => {
    expect(() => parsePbtxt(text)).toThrow(new SyntaxError(message));
  });
});
