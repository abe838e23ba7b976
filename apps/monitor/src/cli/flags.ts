/** The options commander produces for a monitor command: every value as typed, unvalidated. */
export interface MonitorOptions {
  host?: string;
  acceptNewHostKey?: boolean;
  run?: string;
  since?: string;
  grep?: string;
  lines?: string;
  json?: boolean;
  watch?: boolean;
  interval?: string;
  localPort?: string;
}

/** One flag, declared once: `--help` and the README table follow it. */
export interface FlagSpec {
  readonly key: keyof MonitorOptions;
  readonly flags: string;
  readonly description: string;
  readonly defaultText?: string;
}

/** One subcommand and its flags. */
export interface CommandSpec {
  readonly name: 'logs' | 'system' | 'gpu' | 'metrics' | 'tunnel';
  readonly summary: string;
  readonly flags: readonly FlagSpec[];
}

const HOST: FlagSpec = {
  key: 'host',
  flags: '--host <host[:port]>',
  description: 'the pod to watch, one of RUNPOD_HOST',
  defaultText: 'the first',
};
const ACCEPT_NEW: FlagSpec = {
  key: 'acceptNewHostKey',
  flags: '--accept-new-host-key',
  description: 'trust a pod whose host key is not in known_hosts yet, and record it there',
};
const JSON_FLAG: FlagSpec = {
  key: 'json',
  flags: '--json',
  description: 'print JSON on stdout instead of text',
};
const WATCH: FlagSpec = {
  key: 'watch',
  flags: '--watch',
  description:
    'repeat every --interval seconds (a live view on a terminal, plain lines otherwise) until Ctrl-C',
};

/**
 * Every command of `musicgen-monitor` and its flags. Names avoid the flags Nx keeps for itself
 * (`--verbose`, `--parallel`, `--cwd`, `--help`, `--configuration`, `--args`, `--env`, ...).
 */
export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'logs',
    summary:
      "follow the pod's Triton log and batch run logs; reconnects when the connection drops, without repeating or losing lines",
    flags: [
      {
        key: 'run',
        flags: '--run <name>',
        description: "only this run's log, from its start until the run ends",
      },
      {
        key: 'since',
        flags: '--since <when>',
        description:
          'only lines from this time on: a duration back from now (30s, 10m, 2h, 1d) or a time (2026-12-01T09:30:00Z)',
      },
      {
        key: 'grep',
        flags: '--grep <regex>',
        description: 'only lines matching this regular expression (case-insensitive)',
      },
      {
        key: 'lines',
        flags: '--lines <n>',
        description: 'start with the last n lines of each log',
        defaultText: '20; all with --run or --since',
      },
      HOST,
      ACCEPT_NEW,
    ],
  },
  {
    name: 'system',
    summary: "the pod's CPU load, memory and volume disk space",
    flags: [JSON_FLAG, HOST, ACCEPT_NEW],
  },
  {
    name: 'gpu',
    summary: 'nvidia-smi on the pod: utilisation, memory, temperature, power, clocks',
    flags: [
      WATCH,
      {
        key: 'interval',
        flags: '--interval <seconds>',
        description: 'seconds between samples with --watch',
        defaultText: '2',
      },
      JSON_FLAG,
      HOST,
      ACCEPT_NEW,
    ],
  },
  {
    name: 'metrics',
    summary:
      "Triton's Prometheus metrics from the pod, summarised: requests, failures, queue time, the model's own gauges, rates",
    flags: [
      {
        key: 'interval',
        flags: '--interval <seconds>',
        description: 'seconds between the two samples rates are computed from',
        defaultText: '5',
      },
      {
        key: 'watch',
        flags: '--watch',
        description: 'print a new summary every --interval seconds until Ctrl-C',
      },
      JSON_FLAG,
      HOST,
      ACCEPT_NEW,
    ],
  },
  {
    name: 'tunnel',
    summary: "forward a local port to the pod's Triton gRPC port until Ctrl-C (what `ssh -N -L` does)",
    flags: [
      {
        key: 'localPort',
        flags: '--local-port <port>',
        description: 'local port to listen on (127.0.0.1)',
        defaultText: 'TRITON_GRPC_PORT, 8001',
      },
      HOST,
      ACCEPT_NEW,
    ],
  },
];
