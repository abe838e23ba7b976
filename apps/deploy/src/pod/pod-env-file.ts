import { DeployError } from '../deploy-error.js';

/**
 * The variables copied from the laptop's environment into the pod's settings file: the pod runtime's
 * settings (infra/pod/README.md) and what the batch needs on the pod (S3). `MUSICGEN_VOLUME` is not
 * among them: the pod runtime reads it from its process environment only.
 */
export const POD_ENV_KEYS: readonly string[] = [
  'MUSICGEN_MODEL_ID',
  'MUSICGEN_INSTANCE_KIND',
  'MUSICGEN_MAX_CONCURRENT',
  'TRITON_HTTP_PORT',
  'TRITON_GRPC_PORT',
  'TRITON_METRICS_PORT',
  'HF_HOME',
  'HF_TOKEN',
  'MUSICGEN_PYTHON_ENV',
  'MUSICGEN_WHEELS_DIR',
  'MUSICGEN_TRITONSERVER',
  'MUSICGEN_TORCH_INDEX_URL',
  'MUSICGEN_START_TIMEOUT_S',
  'MUSICGEN_STOP_TIMEOUT_S',
  'MUSICGEN_DISK_RESERVE_GB',
  'MUSICGEN_S3_BUCKET',
  'MUSICGEN_S3_PREFIX',
  'MUSICGEN_S3_FORCE_PATH_STYLE',
  'MUSICGEN_S3_CHECKSUM_MODE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_ENDPOINT_URL_S3',
];

/** The settings file's content and the names it sets (never the values), for messages. */
export interface PodEnvFile {
  readonly text: string;
  readonly names: readonly string[];
}

/**
 * Builds the pod's settings file (`KEY=VALUE` lines, read by the pod runtime and by the batch as its
 * `.env`) from the laptop's environment: every {@link POD_ENV_KEYS} entry that is set and not empty.
 * The text has no timestamp, so an unchanged environment gives the same bytes (and no upload).
 *
 * @example
 * ```ts
 * buildPodEnvFile({ MUSICGEN_S3_BUCKET: 'renders', AWS_ACCESS_KEY_ID: 'AKIA...', AWS_SECRET_ACCESS_KEY: '...' }).names;
 * // ['MUSICGEN_S3_BUCKET', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']
 * ```
 *
 * @throws {DeployError} `CONFIG` for a value that cannot be written as one line, or half an AWS key
 * pair; messages name the variable, never its value.
 */
export function buildPodEnvFile(env: Readonly<Record<string, string | undefined>>): PodEnvFile {
  const names: string[] = [];
  const lines = [
    '# The pod settings file, written by `nx run deploy:pod` from the laptop environment (.env).',
    '# Mode 600: it holds secrets. Read by infra/pod/pod.sh, and by the batch as its .env.',
  ];
  for (const name of POD_ENV_KEYS) {
    const value = env[name]?.trim();
    if (value === undefined || value === '') continue;
    if (/[\r\n\0]/.test(value)) {
      throw new DeployError(
        'CONFIG',
        `Cannot write ${name} into the pod's settings file as its value has a line break or NUL character (the value is not shown): fix it in .env`,
      );
    }
    names.push(name);
    lines.push(`${name}=${value}`);
  }
  const hasId = names.includes('AWS_ACCESS_KEY_ID');
  const hasSecret = names.includes('AWS_SECRET_ACCESS_KEY');
  if (hasId !== hasSecret) {
    const [set, missing] = hasId
      ? ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']
      : ['AWS_SECRET_ACCESS_KEY', 'AWS_ACCESS_KEY_ID'];
    throw new DeployError(
      'CONFIG',
      `Cannot give the pod S3 credentials as ${set} is set but ${missing} is not: set both in .env (or neither)`,
    );
  }
  return { text: lines.join('\n') + '\n', names };
}
