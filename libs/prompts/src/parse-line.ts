import { audioExtensionWarning, checkFileName } from './check-filename.js';
import type { GenerationDefaults } from './generation-parameters.js';
import { isPlainAscii, keyFromHash, parametersHead, promptJson, seededHash } from './job-identity.js';
import { parseDuration } from './parse-duration.js';
import { parseOptionTokens, recogniseOptions, type LineOverrides } from './parse-options-field.js';
import type { PromptJob } from './prompt-job.js';
import type { PromptLineError } from './prompt-line-error.js';
import { skipWhitespace, skipWhitespaceBack } from './whitespace.js';

/** What every line is checked against. */
export interface LineContext {
  readonly defaults: GenerationDefaults;
  readonly maxDurationSeconds: number;
  /** Seed of lines that give none; absent: derived from each job's identity. */
  readonly seed?: number;
}

/** A parsed line: a job, the line's problems, or undefined for a blank or comment line. */
export type LineOutcome = PromptJob | PromptLineError[] | undefined;

const HASH = 0x23;
const MAX_SHOWN = 60;
const HEADS = new WeakMap<GenerationDefaults, string>();
const FORM = 'line must have the form PROMPT ; DURATION ; FILENAME';

/**
 * Parses one line (without its line ending) of a prompts file: `PROMPT ; DURATION ; FILENAME`, split on
 * the last two `;`, or `PROMPT ; DURATION ; FILENAME ; OPTIONS` when the text after the last `;` is
 * only `key=value` tokens. Every problem of the line is reported, each at its field's column. Warnings
 * about a valid line (a FILENAME that ends in another audio extension) are added to `warnings`.
 */
export function parseLine(
  text: string,
  line: number,
  context: LineContext,
  warnings?: PromptLineError[],
): LineOutcome {
  const start = skipWhitespace(text, 0, text.length);
  if (start === text.length || text.charCodeAt(start) === HASH) return undefined;
  let errors: PromptLineError[] | undefined;

  // The last three `;`, found going forward: V8's indexOf is much faster than its lastIndexOf.
  let last = -1;
  let before = -1;
  let beforeThat = -1;
  for (let at = text.indexOf(';'); at >= 0; at = text.indexOf(';', at + 1)) {
    beforeThat = before;
    before = last;
    last = at;
  }
  const tokens =
    last < 0 || text.indexOf('=', last) < 0 ? undefined : recogniseOptions(text.slice(last + 1), last + 1);
  const end = tokens === undefined ? text.length : last;
  const second = tokens === undefined ? last : before;
  const first = tokens === undefined ? before : beforeThat;
  if (first < 0) {
    const hint = tokens === undefined ? '' : ' ; OPTIONS (the text after the last ";" looks like options)';
    return [{ line, column: 1, message: `${FORM}${hint}: found ${show(text)}` }];
  }

  let overrides: LineOverrides | undefined;
  if (tokens !== undefined) {
    const options = parseOptionTokens(tokens);
    overrides = options.overrides;
    for (const problem of options.problems) {
      errors = report(errors, text, line, problem.index, problem.message);
    }
  }

  const prompt = text.slice(start, skipWhitespaceBack(text, start, first));
  const durationStart = skipWhitespace(text, first + 1, second);
  const duration = text.slice(durationStart, skipWhitespaceBack(text, durationStart, second));
  const nameStart = skipWhitespace(text, second + 1, end);
  const fileName = text.slice(nameStart, skipWhitespaceBack(text, nameStart, end));
  if (prompt === '') errors = report(errors, text, line, 0, `prompt must not be empty: found ""`);
  const parsedDuration = parseDuration(duration, context.maxDurationSeconds);
  if ('problem' in parsedDuration) {
    const index = duration === '' ? first + 1 : durationStart;
    errors = report(errors, text, line, index, `duration ${parsedDuration.problem}: found ${show(duration)}`);
  }
  const parsedName = checkFileName(fileName);
  if ('problem' in parsedName) {
    const index = fileName === '' ? second + 1 : nameStart;
    errors = report(errors, text, line, index, `filename ${parsedName.problem}: found ${show(fileName)}`);
  }
  if (errors !== undefined || 'problem' in parsedDuration || 'problem' in parsedName) {
    return (errors ?? []).sort((a, b) => a.column - b.column);
  }

  const extension = warnings && audioExtensionWarning(parsedName.base);
  if (extension !== undefined)
    warnings?.push(...report(undefined, text, line, nameStart, `filename ${extension}`));

  const { defaults } = context;
  const plain = isPlainAscii(prompt);
  const nfcPrompt = plain ? prompt : prompt.normalize('NFC');
  const guidance = overrides?.guidance ?? defaults.guidance;
  const topK = overrides?.topK ?? defaults.topK;
  const topP = overrides?.topP ?? defaults.topP;
  const temperature = overrides?.temperature ?? defaults.temperature;
  const head =
    guidance === defaults.guidance &&
    topK === defaults.topK &&
    topP === defaults.topP &&
    temperature === defaults.temperature
      ? headOf(defaults)
      : parametersHead({ modelId: defaults.modelId, guidance, topK, topP, temperature });
  const { frames } = parsedDuration;
  const givenSeed = overrides?.seed ?? context.seed;
  const { seed, hex } = seededHash(head, frames, givenSeed, promptJson(nfcPrompt, plain));
  return {
    line,
    prompt: nfcPrompt,
    frames,
    modelId: defaults.modelId,
    guidance,
    topK,
    topP,
    temperature,
    seed,
    seedDerived: givenSeed === undefined,
    durationSeconds: parsedDuration.seconds,
    base: parsedName.base,
    key: keyFromHash(parsedName.base, hex),
    identityHash: hex,
  };
}

/** The canonical head of a defaults object, computed once per object. */
function headOf(defaults: GenerationDefaults): string {
  let head = HEADS.get(defaults);
  if (head === undefined) {
    head = parametersHead(defaults);
    HEADS.set(defaults, head);
  }
  return head;
}

function report(
  errors: PromptLineError[] | undefined,
  text: string,
  line: number,
  index: number,
  message: string,
): PromptLineError[] {
  const list = errors ?? [];
  list.push({ line, column: columnAt(text, index), message });
  return list;
}

/** 1-based column, in code points, of UTF-16 offset `index` in `text`. */
function columnAt(text: string, index: number): number {
  let column = 1;
  for (let i = 0; i < index; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xdc00 || code > 0xdfff || i === 0 || !isHighSurrogate(text.charCodeAt(i - 1))) column++;
  }
  return column;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** `"text"` as a JSON string, cut to 60 code points with an ellipsis. */
function show(text: string): string {
  let end = 0;
  for (let shown = 0; shown < MAX_SHOWN && end < text.length; shown++) {
    end += isHighSurrogate(text.charCodeAt(end)) && end + 1 < text.length ? 2 : 1;
  }
  return JSON.stringify(end < text.length ? `${text.slice(0, end)}…` : text);
}
