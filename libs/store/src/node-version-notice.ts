/** The oldest Node.js line the AWS SDK supports without a warning. */
export const SUPPORTED_NODE_MAJOR = 22;

/**
 * Replaces the AWS SDK's several-line Node.js version warning with one line of our own: every entry
 * point that may create an S3 client calls this first, so all of them behave the same. Sets
 * `AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED` and returns the line to print on older Node.js
 * lines, or undefined; a user (or CI) who set that variable already has chosen, and gets no line.
 *
 * @example
 * ```ts
 * const notice = quietNodeVersionWarning(process.env, process.versions.node);
 * if (notice) process.stderr.write(notice + '\n');
 * ```
 */
export function quietNodeVersionWarning(
  env: Record<string, string | undefined>,
  nodeVersion: string,
): string | undefined {
  const silenced = env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] !== undefined;
  env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const major = Number(nodeVersion.split('.')[0]);
  if (silenced || !(major < SUPPORTED_NODE_MAJOR)) return undefined;
  return (
    `Note: Node.js ${nodeVersion} is past its end of life; everything works, but install Node.js ` +
    `${SUPPORTED_NODE_MAJOR} or newer (the AWS SDK will soon require it)`
  );
}
