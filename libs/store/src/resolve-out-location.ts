import { isAbsolute, resolve } from 'node:path';

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * Where a command's store is, the same for every command that takes `--out`: the flag's value when given,
 * else `s3://$MUSICGEN_S3_BUCKET/$MUSICGEN_S3_PREFIX` when `MUSICGEN_S3_BUCKET` is set (blank counts as
 * unset), else `./output`; a relative folder is resolved from `baseDir` (where the user typed the command).
 *
 * @example
 * ```ts
 * resolveOutLocation(undefined, { env: { MUSICGEN_S3_BUCKET: 'renders', MUSICGEN_S3_PREFIX: 'v1/' }, baseDir: '/home/me' });
 * // 's3://renders/v1/'
 * resolveOutLocation('out', { env: {}, baseDir: '/home/me' }); // '/home/me/out'
 * ```
 */
export function resolveOutLocation(
  out: string | undefined,
  context: { readonly env: Readonly<Record<string, string | undefined>>; readonly baseDir: string },
): string {
  let location = out;
  if (location === undefined) {
    const bucket = nonEmpty(context.env['MUSICGEN_S3_BUCKET']);
    const prefix = nonEmpty(context.env['MUSICGEN_S3_PREFIX']) ?? '';
    location = bucket === undefined ? './output' : `s3://${bucket}/${prefix.replace(/^\/+/, '')}`;
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(location) && !isAbsolute(location)) {
    location = resolve(context.baseDir, location);
  }
  return location;
}
