import { projectConfig } from '../../vitest.shared.js';

// Each file starts its own sshd; the run tests pack and install the batch on the "pod": one file at a
// time. The time limit is a guard against hangs on a loaded machine, not a timing assertion.
export default projectConfig(import.meta.dirname, 'deploy', { fileParallelism: false, testTimeout: 60_000 });
