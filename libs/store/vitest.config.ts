import { projectConfig } from '../../vitest.shared.js';

// Network tests move tens of MB through a real S3 server; a guard against hangs on a loaded machine.
export default projectConfig(import.meta.dirname, 'store', { testTimeout: 30_000 });
