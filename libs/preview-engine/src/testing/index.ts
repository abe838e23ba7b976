export { startPreviewProcess, type PreviewProcess } from './start-preview-process.js';
export { startPreviewDouble, type PreviewDoubleOptions } from './start-preview-double.js';
