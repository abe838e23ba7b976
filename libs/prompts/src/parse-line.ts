import { checkFileName } from './check-filename.js';
import type { GenerationDefaults } from './generation-parameters.js';
import { hashIdentity, keyFromHash, seedFromHash, type JobIdentity } from './job-identity.js';
import { parseDuration } from './parse-duration.js';
import { parseOptionTokens, recogniseOptions, type LineOverrides } from './parse-options-field.js';
import type { PromptJob } from './prompt-job.js';
import type { PromptLineError } from './prompt-line-error.js';

/** What every line is checked against. */
export interface LineContext {
  readonly defaults: GenerationDefaults;
  readonly maxDurationSeconds: number;
}

/** A parsed line: a job, the line's problems, or undefined for a blank or comment line. */
export type LineOutcome = PromptJob | PromptLineError[] | undefined;

const BLANK_OR_COMMENT = /^\s*(?:#|$)/;
const ASCII_ONLY = /^[\x20-\x7e]*$/;
const MAX_SHOWN = 60;
const FORM = 'line must have the form PROMPT ; DURATION ; FILENAME';

/**
 * Parses one line (without its line ending) of a prompts file: `PROMPT ; DURATION ; FILENAME`, split on
 * the last two `;`, or `PROMPT ; DURATION ; FILENAME ; OPTIONS` when the text after the last `;` is
 * only `key=value` tokens. Every problem of the line is reported, each at its field's column.
 */
export function parseLine(text: string, line: number, context: LineContext): LineOutcome {
  if (BLANK_OR_COMMENT.test(text)) return undefined;
  const errors: PromptLineError[] = [];
  const report = (index: number, message: string): void => {
    errors.push({ line, column: columnAt(text, index), message });
  };

  const last = text.lastIndexOf(';');
  const tokens = last < 0 ? undefined : recogniseOptions(text.slice(last + 1), last + 1);
  const end = tokens === undefined ? text.length : last;
  const second = tokens === undefined ? last : end > 0 ? text.lastIndexOf(';', end - 1) : -1;
  const first = second > 0 ? text.lastIndexOf(';', second - 1) : -1;
  if (first < 0) {
    const hint = tokens === undefined ? '' : ' ; OPTIONS (the text after the last ";" looks like options)';
    report(0, `${FORM}${hint}: found ${show(text)}`);
    return errors;
  }

  let overrides: LineOverrides = {};
  if (tokens !== undefined) {
    const options = parseOptionTokens(tokens);
    overrides = options.overrides;
    for (const problem of options.problems) report(problem.index, problem.message);
  }

  const prompt = field(text, 0, first);
  const duration = field(text, first + 1, second);
  const fileName = field(text, second + 1, end);
  if (prompt.value === '') report(prompt.index, `prompt must not be empty: found ""`);
  const parsedDuration = parseDuration(duration.value, context.maxDurationSeconds);
  if ('problem' in parsedDuration) {
    report(duration.index, `duration ${parsedDuration.problem}: found ${show(duration.value)}`);
  }
  const parsedName = checkFileName(fileName.value);
  if ('problem' in parsedName) {
    report(fileName.index, `filename ${parsedName.problem}: found ${show(fileName.value)}`);
  }
  if (errors.length > 0 || 'problem' in parsedDuration || 'problem' in parsedName) {
    errors.sort((a, b) => a.column - b.column);
    return errors;
  }

  const { defaults } = context;
  const identity: JobIdentity = {
    prompt: ASCII_ONLY.test(prompt.value) ? prompt.value : prompt.value.normalize('NFC'),
    frames: parsedDuration.frames,
    modelId: defaults.modelId,
    guidance: overrides.guidance ?? defaults.guidance,
    topK: overrides.topK ?? defaults.topK,
    topP: overrides.topP ?? defaults.topP,
    temperature: overrides.temperature ?? defaults.temperature,
  };
  const seed = overrides.seed ?? seedFromHash(hashIdentity(identity, null));
  const identityHex = hashIdentity(identity, seed);
  return {
    line,
    ...identity,
    seed,
    seedDerived: overrides.seed === undefined,
    durationSeconds: parsedDuration.seconds,
    base: parsedName.base,
    key: keyFromHash(parsedName.base, identityHex),
    identityHash: identityHex,
  };
}

/** A trimmed field of `text` between UTF-16 offsets `start` and `end`, and where its text begins (or the field, when empty). */
function field(text: string, start: number, end: number): { value: string; index: number } {
  const raw = text.slice(start, end);
  const value = raw.trim();
  return { value, index: value === '' ? start : start + raw.indexOf(value) };
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
  const chars = [...text];
  return JSON.stringify(chars.length > MAX_SHOWN ? `${chars.slice(0, MAX_SHOWN).join('')}…` : text);
}
