import { projectConfig } from '../../vitest.shared.js';

// Tests start a real sshd and move files over SFTP; a guard against hangs on a loaded machine, not a timing assertion.
export default projectConfig(import.meta.dirname, 'ssh', { testTimeout: 30_000 });
