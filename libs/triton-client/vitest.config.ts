import { projectConfig } from '../../vitest.shared.js';

// Loopback gRPC tests on busy shared machines: generous, never relied on for timing.
export default projectConfig(import.meta.dirname, 'triton-client', { testTimeout: 30_000 });
