import { projectConfig } from '../../vitest.shared.js';

// Packs every library, installs the tarballs into a throwaway project and compiles a consumer: minutes
// on a loaded machine. A guard against hangs, never a timing assertion.
export default projectConfig(import.meta.dirname, 'pack-check', {
  testTimeout: 300_000,
  hookTimeout: 300_000,
});
