import { decimal, defineCommands, defineFlags, integer, InvalidArgumentError, nonBlank } from '@musicgen/cli';
import { parseSince } from '../logs/line-time.js';

function pattern(text: string): RegExp {
  try {
    return new RegExp(text, 'i');
  } catch (error) {
    throw new InvalidArgumentError(`it is not a valid regular expression (${(error as Error).message})`);
  }
}

const HOST = {
  flags: '--host <host[:port]>',
  description: 'the pod to watch, one of RUNPOD_HOST',
  defaultText: 'every pod, side by side (tunnel: the first)',
} as const;
const ACCEPT_NEW = {
  flags: '--accept-new-host-key',
  description: 'trust a pod whose host key is not in known_hosts yet, and record it there',
} as const;
const JSON_FLAG = { flags: '--json', description: 'print JSON on stdout instead of text' } as const;

/** The page's default port on 127.0.0.1. */
export const DEFAULT_PAGE_PORT = 8090;

function metricsUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidArgumentError('it must be an http:// address such as http://127.0.0.1:8002/metrics');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError('it must be an http:// address such as http://127.0.0.1:8002/metrics');
  }
  return url.href;
}

/**
 * The `musicgen-monitor` command line: every command and its flags, declared once (`--help` and the
 * README table follow it). Names avoid the flags Nx keeps for itself (`--verbose`, `--parallel`,
 * `--cwd`, `--help`, `--configuration`, `--args`, `--env`, ...).
 */
export const MONITOR_PROGRAM = defineCommands({
  name: 'musicgen-monitor',
  version: '0.1.0',
  description:
    'Watch a GPU pod over SSH: logs, system, GPU, Triton metrics, and a tunnel to Triton; listen to runs on a local page.',
  epilog:
    'Settings come from .env and the environment (RUNPOD_HOST, RUNPOD_SSH_KEY, ...; see .env.template).\n' +
    'Exit codes: 0 done; 1 the connection or a command on the pod failed; 2 usage or configuration error.',
  // `page` reads a store, not a pod: its settings are the batch's (MUSICGEN_S3_*, AWS_*).
  commands: {
    logs: {
      summary:
        "follow the pod's Triton log and batch run logs; reconnects when the connection drops, without repeating or losing lines",
      flags: defineFlags({
        run: { flags: '--run <name>', description: "only this run's log, from its start until the run ends" },
        since: {
          flags: '--since <when>',
          description:
            'only lines from this time on: a duration back from now (30s, 10m, 2h, 1d) or a time (2026-12-01T09:30:00Z)',
          parse: (text: string) => parseSince(text, new Date()),
        },
        grep: {
          flags: '--grep <regex>',
          description: 'only lines matching this regular expression (case-insensitive)',
          parse: pattern,
        },
        lines: {
          flags: '--lines <n>',
          description: 'start with the last n lines of each log',
          parse: integer({ min: 0 }),
          default: 20,
          defaultText: '20; all with --run or --since',
        },
        host: HOST,
        acceptNewHostKey: ACCEPT_NEW,
      }),
    },
    system: {
      summary: "the pod's CPU load, memory and volume disk space",
      flags: defineFlags({ json: JSON_FLAG, host: HOST, acceptNewHostKey: ACCEPT_NEW }),
    },
    gpu: {
      summary: 'nvidia-smi on the pod: utilisation, memory, temperature, power, clocks',
      flags: defineFlags({
        watch: {
          flags: '--watch',
          description:
            'repeat every --interval seconds (a live view on a terminal, plain lines otherwise) until Ctrl-C',
        },
        interval: {
          flags: '--interval <seconds>',
          description: 'seconds between samples with --watch',
          parse: decimal({ min: 0.5 }),
          default: 2,
        },
        json: JSON_FLAG,
        host: HOST,
        acceptNewHostKey: ACCEPT_NEW,
      }),
    },
    metrics: {
      summary:
        "Triton's Prometheus metrics from the pod, summarised: requests, failures, queue time, the model's own gauges, rates",
      flags: defineFlags({
        interval: {
          flags: '--interval <seconds>',
          description: 'seconds between the two samples rates are computed from',
          parse: decimal({ min: 0.5 }),
          default: 5,
        },
        watch: { flags: '--watch', description: 'print a new summary every --interval seconds until Ctrl-C' },
        json: JSON_FLAG,
        host: HOST,
        acceptNewHostKey: ACCEPT_NEW,
      }),
    },
    page: {
      summary:
        'serve a page on 127.0.0.1 to look at and listen to the runs in a store, live while a run works; prints its address',
      flags: defineFlags({
        out: {
          flags: '--out <dir|s3://bucket/prefix>',
          description: "the store whose runs to show (the batch's --out)",
          parse: nonBlank,
          defaultText:
            's3://$MUSICGEN_S3_BUCKET/$MUSICGEN_S3_PREFIX when MUSICGEN_S3_BUCKET is set, else ./output',
        },
        port: {
          flags: '--port <port>',
          description: 'port on 127.0.0.1 (never another interface); 0 picks a free one',
          parse: integer({ min: 0, max: 65535 }),
          default: DEFAULT_PAGE_PORT,
        },
        cacheDir: {
          flags: '--cache-dir <dir>',
          description: 'local folder for waveform and spectrogram drawings (never the store)',
          parse: nonBlank,
          defaultText:
            '$XDG_CACHE_HOME/musicgen-monitor/page (~/.cache/..., %LOCALAPPDATA%\\musicgen-monitor\\page on Windows)',
        },
        metrics: {
          flags: '--metrics <url>',
          description:
            "Triton's metrics for the GPU panel, e.g. http://127.0.0.1:8002/metrics (a local Triton, or the pod's through a tunnel)",
          parse: metricsUrl,
          env: 'TRITON_METRICS_URL',
        },
        viaSsh: {
          flags: '--via-ssh',
          description:
            "the GPU panel reads Triton's metrics from the pod over SSH (the first of RUNPOD_HOST, or --host), as monitor:metrics does",
        },
        host: { ...HOST, defaultText: 'the first of RUNPOD_HOST (with --via-ssh)' },
        acceptNewHostKey: ACCEPT_NEW,
      }),
    },
    tunnel: {
      summary: "forward a local port to the pod's Triton gRPC port until Ctrl-C (what `ssh -N -L` does)",
      flags: defineFlags({
        localPort: {
          flags: '--local-port <port>',
          description: 'local port to listen on (127.0.0.1)',
          parse: integer({ min: 0, max: 65535 }),
          defaultText: 'TRITON_GRPC_PORT, 8001',
        },
        host: HOST,
        acceptNewHostKey: ACCEPT_NEW,
      }),
    },
  },
});
