#!/usr/bin/env node
// musicgen-monitor: runs the TypeScript sources in this same process (no build). tsx compiles TypeScript on
// the fly; the extra hook resolves the workspace libraries to their sources through the
// `@musicgen/source` export condition.
import { registerSourceHooks } from '@musicgen/cli/source-hooks';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
registerSourceHooks();
await import('../src/main.ts');
