export {
  startPreviewEngine,
  PREVIEW_SERVER_NAME,
  PREVIEW_SERVER_VERSION,
  type PreviewEngine,
  type PreviewEngineOptions,
} from './preview-engine.js';
export { PREVIEW_PLATFORM } from './model-catalog.js';
export { PREVIEW_MODEL_ID, previewFacts } from './preview-facts.js';
export { generateReferenceCodes, CodeGenerator, type GenerationParams } from './code-generator.js';
export { decodeCodes } from './decode-codes.js';
export { parsePromptStyle, type PromptStyle } from './prompt-style.js';
export { PALETTES, type Palette } from './music-theory.js';
export { previewReferenceCodes, type PreviewWindowRequest } from './reference-codes.js';
