export {
  DEFAULT_GENERATION,
  type GenerationDefaults,
  type GenerationParameters,
} from './generation-parameters.js';
export { canonicalIdentity, deriveSeed, identityHash, jobKey, type JobIdentity } from './job-identity.js';
export { MAX_BASE_LENGTH } from './check-filename.js';
export { parsePrompts, type PromptsParseResult } from './parse-prompts.js';
export type { ParsePromptsOptions } from './parse-prompts-options.js';
export { checkPromptsFile, readPromptsFile } from './read-prompts-file.js';
export type { PromptJob } from './prompt-job.js';
export { formatPromptLineError, type PromptLineError } from './prompt-line-error.js';
export { formatPromptErrors } from './format-prompt-errors.js';
export { PromptsFileError, type PromptsFileErrorCode } from './prompts-file-error.js';
