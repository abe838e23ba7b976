import { describe, expect, it } from 'vitest';
import { resolveOutLocation } from './resolve-out-location.js';

describe('resolveOutLocation', () => {
  it.each([
    [undefined, {}, '/home/me/output'],
    [undefined, { MUSICGEN_S3_BUCKET: 'renders', MUSICGEN_S3_PREFIX: '/run-1/' }, 's3://renders/run-1/'],
    [undefined, { MUSICGEN_S3_BUCKET: 'renders' }, 's3://renders/'],
    [undefined, { MUSICGEN_S3_BUCKET: ' ', MUSICGEN_S3_PREFIX: 'x' }, '/home/me/output'],
    ['s3://other/p', { MUSICGEN_S3_BUCKET: 'renders' }, 's3://other/p'],
    ['songs', {}, '/home/me/songs'],
    ['../songs', {}, '/home/songs'],
    ['/data/songs', {}, '/data/songs'],
  ])('%s with %j is %s', (out, env, expected) => {
    expect(resolveOutLocation(out, { env, baseDir: '/home/me' })).toBe(expected);
  });
});
