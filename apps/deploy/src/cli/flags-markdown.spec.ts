import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flagsMarkdown } from './flags-markdown.js';

describe('flagsMarkdown', () => {
  it('is what the README shows', async () => {
    const readme = await readFile(join(import.meta.dirname, '../../README.md'), 'utf8');
    expect(readme).toContain(flagsMarkdown());
  });
});
