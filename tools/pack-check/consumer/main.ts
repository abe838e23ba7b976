// A consumer outside the workspace: imports each packed library through its package name only.
import * as chunking from '@musicgen/chunking';
import * as preview from '@musicgen/preview-engine';
import * as prompts from '@musicgen/prompts';
import * as store from '@musicgen/store';
import * as tritonClient from '@musicgen/triton-client';
import * as wav from '@musicgen/wav';

const loaded = { chunking, preview, prompts, store, tritonClient, wav };
console.log(JSON.stringify({ modules: Object.keys(loaded).sort() }));
