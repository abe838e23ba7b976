/**
 * The oldest Node.js the workspace supports (the `engines` field of every package says the same).
 * Node.js 20 reached its end of life in April 2026, and AWS SDK releases after the first week of
 * January 2027 require Node.js 22; 22.12 is the first 22 that loads ES modules with `require`.
 */
export const MIN_NODE_VERSION = '22.12.0';

const AWS_WARNING_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

function parts(version: string): number[] {
  return version
    .replace(/^v/, '')
    .split('.')
    .map((part) => Number.parseInt(part, 10) || 0);
}

/** True when `version` (`22.12.0` or `v22.12.0`) is at least {@link MIN_NODE_VERSION}. */
export function isSupportedNode(version: string): boolean {
  const [major = 0, minor = 0, patch = 0] = parts(version);
  const [minMajor = 0, minMinor = 0, minPatch = 0] = parts(MIN_NODE_VERSION);
  if (major !== minMajor) return major > minMajor;
  if (minor !== minMinor) return minor > minMinor;
  return patch >= minPatch;
}

/**
 * What every command says about the Node.js it runs on, before any other output: at most one line of
 * our own instead of the AWS SDK's several-line warning. Sets `AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED`
 * in `env` (the SDK reads it when it makes a client) and returns the line to print when `version` is
 * older than {@link MIN_NODE_VERSION}, else undefined. Someone who set that variable already has
 * chosen (`false`: the SDK's own warning) and gets no line from us.
 *
 * @example
 * ```ts
 * nodeSupportNotice({}, 'v20.20.2');
 * // 'Note: Node.js 20.20.2 is older than 22.12.0, the oldest this tool supports: install the current LTS from https://nodejs.org'
 * nodeSupportNotice({}, 'v26.12.1'); // undefined
 * ```
 */
export function nodeSupportNotice(
  env: Record<string, string | undefined>,
  version: string,
): string | undefined {
  const chosen = env[AWS_WARNING_SWITCH] !== undefined;
  env[AWS_WARNING_SWITCH] ??= 'true';
  if (chosen || isSupportedNode(version)) return undefined;
  return (
    `Note: Node.js ${version.replace(/^v/, '')} is older than ${MIN_NODE_VERSION}, the oldest this tool ` +
    'supports: install the current LTS from https://nodejs.org'
  );
}
