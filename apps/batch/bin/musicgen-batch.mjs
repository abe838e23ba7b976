#!/usr/bin/env node
// musicgen-batch: runs the TypeScript sources in this same process (no build, no child process, so
// Ctrl-C and SIGTERM reach the command directly). tsx compiles TypeScript on the fly; the extra hook
// resolves the workspace libraries to their sources through the `@musicgen/source` export condition.
import { registerSourceHooks } from '@musicgen/cli/source-hooks';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
registerSourceHooks();
await import('../src/main.ts');
