import { projectConfig } from '../../vitest.shared.js';

// Tests talk to a real sshd; a guard against hangs on a loaded machine, not a timing assertion.
export default projectConfig(import.meta.dirname, 'monitor', { testTimeout: 30_000 });
