import { defineCommands, defineFlags, nonBlank } from '@musicgen/cli';

const HOST = {
  flags: '--host <host[:port]>',
  description: 'the pod to use, one of RUNPOD_HOST',
  defaultText: 'every pod of RUNPOD_HOST (`run`: each its shard of the prompts)',
} as const;
const ACCEPT_NEW = {
  flags: '--accept-new-host-key',
  description:
    'trust a pod whose host key is not in known_hosts yet, and record it there (check the fingerprint it prints)',
} as const;
const RESTART = {
  flags: '--restart',
  description: 'restart Triton on the pod even when nothing changed',
} as const;
const VERIFY = {
  flags: '--verify',
  description:
    'once Triton is up, prove the deployment from here: fixed takes (4 styles, 10 s, fixed seeds) through a tunnel, their audio QA, the T5 self-test and the checkpoint against the last verified one; fails when anything is off, records the figures when it passes',
} as const;
const VERIFY_RECORD = {
  flags: '--verify-record <file>',
  description:
    'where --verify keeps the checkpoint and figures of the last passing proof of each model (commit it)',
  parse: nonBlank,
  env: 'MUSICGEN_VERIFY_RECORD',
  defaultText: '$MUSICGEN_VERIFY_RECORD, else musicgen-verified.json',
} as const;
const PROMPTS = {
  flags: '--prompts <file>',
  description: 'prompts file to run on the pod (required)',
  parse: nonBlank,
  required: 'give the prompts file to run on the pod, for example --prompts=prompts.txt',
} as const;
const NAME = {
  flags: '--name <run>',
  description: 'name of the run on the pod; the same name resumes it',
  defaultText: 'the prompts file name without extension',
} as const;
const ATTACH = {
  flags: '--attach',
  description: "follow the run's log until it ends, and exit with its exit code",
} as const;

/**
 * The `musicgen-deploy` command line: every command and its flags, declared once (`--help` and the
 * README table follow it). Names avoid the flags Nx keeps for itself (`--verbose`, `--parallel`,
 * `--cwd`, `--help`, `--configuration`, `--args`, `--env`, ...). `run` and `and-monitor` pass flags
 * they do not know on to the batch on the pod (`--format=wav24`, `--seed=7`...).
 */
export const DEPLOY_PROGRAM = defineCommands({
  name: 'musicgen-deploy',
  version: '0.1.0',
  description: 'Operate a GPU pod over SSH: deploy Triton, run batches on it.',
  epilog:
    'Settings come from .env and the environment (RUNPOD_HOST, RUNPOD_SSH_KEY, ...; see .env.template).\n' +
    'Exit codes: 0 done; 1 the pod or the run failed, or the connection did; 2 usage or configuration error.',
  commands: {
    pod: {
      summary:
        'upload infra/ (what changed) and the settings file to the pod, start Triton there and wait until every model is ready',
      flags: defineFlags({
        host: HOST,
        acceptNewHostKey: ACCEPT_NEW,
        restart: RESTART,
        verify: VERIFY,
        verifyRecord: VERIFY_RECORD,
      }),
    },
    run: {
      summary:
        'run the batch on the pod, detached (it goes on when the laptop disconnects); other flags go to the batch',
      flags: defineFlags({
        prompts: PROMPTS,
        name: NAME,
        attach: ATTACH,
        host: HOST,
        acceptNewHostKey: ACCEPT_NEW,
      }),
      passThrough: true,
    },
    'and-monitor': {
      summary: 'deploy (as `pod`), start the run (as `run`), then follow its log until it ends',
      flags: defineFlags({
        prompts: PROMPTS,
        name: NAME,
        host: HOST,
        acceptNewHostKey: ACCEPT_NEW,
        restart: RESTART,
      }),
      passThrough: true,
    },
  },
});
