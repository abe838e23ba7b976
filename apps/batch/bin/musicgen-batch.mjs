#!/usr/bin/env node
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('./source-condition-hooks.mjs', import.meta.url);
await import('../src/main.ts');
