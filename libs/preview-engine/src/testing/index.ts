export { startPreviewProcess, type PreviewProcess } from './start-preview-process.js';
