import { projectConfig } from '../../vitest.shared.js';

// Decoding and gRPC round trips run on shared CI machines: allow for slow runs (speed is benchmarked, not tested).
export default projectConfig(import.meta.dirname, 'preview', { testTimeout: 60_000, hookTimeout: 60_000 });
