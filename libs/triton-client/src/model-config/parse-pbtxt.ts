/** A value in protobuf text format: a scalar's text (quotes removed, escapes resolved) or a message. */
export type PbtxtValue = string | PbtxtMessage;

/** A message in protobuf text format: every field name with its values in order of appearance. */
export interface PbtxtMessage {
  readonly [field: string]: PbtxtValue[];
}

interface Token {
  readonly text: string;
  readonly quoted: boolean;
  readonly line: number;
  readonly column: number;
}

const PUNCTUATION = new Set(['{', '}', '[', ']', ':', ',', ';', '<', '>']);
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', "'": "'", '\\': '\\' };

/**
 * Parses the subset of protobuf text format that Triton model configs use: `field: scalar`,
 * `field { ... }` / `field: { ... }`, lists `field: [ a, b ]` / `field [ { ... }, { ... } ]`, repeated
 * fields, quoted strings, `#` comments, and optional `,` / `;` separators. No schema is applied.
 *
 * @throws {SyntaxError} with `line:column` of the offending token.
 *
 * @example
 * ```ts
 * parsePbtxt('name: "musicgen_lm" dims: [ 4, -1 ]');
 * // { name: ['musicgen_lm'], dims: ['4', '-1'] }
 * ```
 */
export function parsePbtxt(text: string, source = 'config.pbtxt'): PbtxtMessage {
  const tokens = tokenize(text, source);
  let index = 0;
  const fail = (token: Token | undefined, expected: string): never => {
    const where = token === undefined ? 'end of input' : `${token.line}:${token.column}`;
    const got = token === undefined ? 'end of input' : `'${token.text}'`;
    throw new SyntaxError(`Cannot parse ${source} at ${where}: expected ${expected}: got ${got}`);
  };
  const peek = (): Token | undefined => tokens[index];
  const isPunct = (token: Token | undefined, text: string): boolean =>
    token !== undefined && !token.quoted && token.text === text;

  const parseMessage = (close: string | undefined): PbtxtMessage => {
    const message: Record<string, PbtxtValue[]> = {};
    for (;;) {
      const token = peek();
      if (close === undefined ? token === undefined : isPunct(token, close)) {
        index++;
        return message;
      }
      if (token === undefined || token.quoted || PUNCTUATION.has(token.text)) {
        return fail(token, close === undefined ? 'a field name' : `a field name or '${close}'`);
      }
      index++;
      const values = (message[token.text] ??= []);
      const hasColon = isPunct(peek(), ':');
      if (hasColon) index++;
      const next = peek();
      if (isPunct(next, '[')) {
        index++;
        parseList(values);
      } else if (isPunct(next, '{') || isPunct(next, '<')) {
        index++;
        values.push(parseMessage(next?.text === '{' ? '}' : '>'));
      } else if (hasColon) {
        values.push(parseScalar());
      } else {
        fail(next, `':' or '{' after field '${token.text}'`);
      }
      if (isPunct(peek(), ',') || isPunct(peek(), ';')) index++;
    }
  };
  const parseList = (values: PbtxtValue[]): void => {
    if (isPunct(peek(), ']')) {
      index++;
      return;
    }
    for (;;) {
      const next = peek();
      if (isPunct(next, '{')) {
        index++;
        values.push(parseMessage('}'));
      } else {
        values.push(parseScalar());
      }
      const separator = peek();
      index++;
      if (isPunct(separator, ']')) return;
      if (!isPunct(separator, ',')) fail(separator, "',' or ']'");
    }
  };
  const parseScalar = (): string => {
    const token = peek();
    if (token === undefined || (!token.quoted && PUNCTUATION.has(token.text))) return fail(token, 'a value');
    index++;
    let text = token.text;
    while (token.quoted && peek()?.quoted) text += (tokens[index++] as Token).text;
    return text;
  };
  return parseMessage(undefined);
}

function tokenize(text: string, source: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length;) {
    const char = text[i] as string;
    const column = i - lineStart + 1;
    if (char === '\n') {
      line++;
      lineStart = ++i;
    } else if (/\s/.test(char)) {
      i++;
    } else if (char === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (PUNCTUATION.has(char)) {
      tokens.push({ text: char, quoted: false, line, column });
      i++;
    } else if (char === '"' || char === "'") {
      let value = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== char; j++) {
        if (text[j] === '\n') break;
        if (text[j] === '\\') {
          const escaped = text[++j] as string;
          value += ESCAPES[escaped] ?? escaped;
        } else {
          value += text[j];
        }
      }
      if (text[j] !== char) {
        throw new SyntaxError(
          `Cannot parse ${source} at ${line}:${column}: expected a closing ${char}: got end of line`,
        );
      }
      tokens.push({ text: value, quoted: true, line, column });
      i = j + 1;
    } else {
      let j = i;
      while (j < text.length && /[A-Za-z0-9_.+\-$]/.test(text[j] as string)) j++;
      if (j === i) {
        throw new SyntaxError(`Cannot parse ${source} at ${line}:${column}: expected a token: got '${char}'`);
      }
      tokens.push({ text: text.slice(i, j), quoted: false, line, column });
      i = j;
    }
  }
  return tokens;
}
