/** The options commander produces for a deploy command: every value as typed, unvalidated. */
export interface DeployOptions {
  host?: string;
  acceptNewHostKey?: boolean;
  restart?: boolean;
  prompts?: string;
  name?: string;
  attach?: boolean;
}

/** One flag, declared once: `--help` and the README table follow it. */
export interface FlagSpec {
  readonly key: keyof DeployOptions;
  /** Commander syntax, e.g. `--prompts <file>`. */
  readonly flags: string;
  readonly description: string;
  readonly defaultText?: string;
}

/** One subcommand and its flags. */
export interface CommandSpec {
  readonly name: 'pod' | 'run' | 'and-monitor';
  readonly summary: string;
  readonly flags: readonly FlagSpec[];
  /** Unknown flags are passed on to the batch on the pod (`--format=wav24`, `--seed=7`...). */
  readonly batchFlags: boolean;
}

const HOST: FlagSpec = {
  key: 'host',
  flags: '--host <host[:port]>',
  description: 'the pod to use, one of RUNPOD_HOST',
  defaultText: 'every pod for `pod`, the first for `run`',
};
const ACCEPT_NEW: FlagSpec = {
  key: 'acceptNewHostKey',
  flags: '--accept-new-host-key',
  description:
    'trust a pod whose host key is not in known_hosts yet, and record it there (check the fingerprint it prints)',
};
const RESTART: FlagSpec = {
  key: 'restart',
  flags: '--restart',
  description: 'restart Triton on the pod even when nothing changed',
};
const PROMPTS: FlagSpec = {
  key: 'prompts',
  flags: '--prompts <file>',
  description: 'prompts file to run on the pod (required)',
};
const NAME: FlagSpec = {
  key: 'name',
  flags: '--name <run>',
  description: 'name of the run on the pod; the same name resumes it',
  defaultText: 'the prompts file name without extension',
};
const ATTACH: FlagSpec = {
  key: 'attach',
  flags: '--attach',
  description: "follow the run's log until it ends, and exit with its exit code",
};

/**
 * Every command of `musicgen-deploy` and its flags. Names avoid the flags Nx keeps for itself
 * (`--verbose`, `--parallel`, `--cwd`, `--help`, `--configuration`, `--args`, `--env`, ...).
 */
export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'pod',
    summary:
      'upload infra/ (what changed) and the settings file to the pod, start Triton there and wait until every model is ready',
    flags: [HOST, ACCEPT_NEW, RESTART],
    batchFlags: false,
  },
  {
    name: 'run',
    summary:
      'run the batch on the pod, detached (it goes on when the laptop disconnects); other flags go to the batch',
    flags: [PROMPTS, NAME, ATTACH, HOST, ACCEPT_NEW],
    batchFlags: true,
  },
  {
    name: 'and-monitor',
    summary: 'deploy (as `pod`), start the run (as `run`), then follow its log until it ends',
    flags: [PROMPTS, NAME, HOST, ACCEPT_NEW, RESTART],
    batchFlags: true,
  },
];
