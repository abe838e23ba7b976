import { projectConfig } from '../../vitest.shared.js';

// One real tritonserver per test file, started and restarted by the pod runtime on CPU: minutes, not
// seconds, on a loaded machine. A guard against hangs, never a timing assertion.
export default projectConfig(import.meta.dirname, 'e2e', { testTimeout: 900_000, hookTimeout: 600_000 });
