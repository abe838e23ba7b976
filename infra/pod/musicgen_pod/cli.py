"""Command line of the pod runtime: ``pod.sh up|status|stop|logs`` (see infra/pod/README.md)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from typing import List, Optional

from . import lifecycle, logs, server, settings, stack
from . import serve as serve_mod
from . import status as status_mod
from . import up as up_mod
from .errors import ExitCode, PodError
from .server import Paths

PREFIX = "musicgen-pod: "


def say(line: str) -> None:
    print(line, flush=True)


def warn(line: str) -> None:
    print(f"{PREFIX}warning: {line}", file=sys.stderr, flush=True)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pod.sh",
        description="Set up and run Triton for this repository on a GPU pod. Settings come from the environment "
        "and the env file on the volume (infra/pod/README.md).",
    )
    verbs = p.add_subparsers(dest="verb", metavar="VERB")
    verbs.required = True
    up = verbs.add_parser("up", help="install what is missing, fetch the weights, start Triton, wait until ready")
    up.add_argument("--restart", action="store_true", help="restart even when nothing changed")
    up.add_argument("--dry-run", action="store_true", help="print what would be done; change nothing")
    verbs.add_parser(
        "serve",
        help="as `up`, then stay in the foreground while the server runs (a container's main process; "
        "SIGTERM stops the server)",
    )
    st = verbs.add_parser("status", help="is Triton running and is every model ready (exit 0, 3 stopped, 4 unhealthy)")
    st.add_argument("--json", action="store_true", help="one JSON object on stdout")
    verbs.add_parser("stop", help="stop Triton (SIGTERM, then SIGKILL after MUSICGEN_STOP_TIMEOUT_S)")
    lg = verbs.add_parser("logs", help="print the server log")
    lg.add_argument("--lines", type=int, default=100, metavar="N", help="how many last lines (default 100)")
    lg.add_argument("--follow", action="store_true", help="keep printing new lines (Ctrl-C ends)")
    return p


def main(argv: Optional[List[str]] = None) -> int:
    args = parser().parse_args(argv)
    try:
        s, env_file = settings.load(os.environ)
        for line in env_file.warnings:
            warn(line)
        if args.verb == "up":
            return up_mod.run(s, stack.read_pins(), args.restart, args.dry_run, say, warn)
        if args.verb == "serve":
            return serve_mod.run(s, stack.read_pins(), say, warn)
        if args.verb == "status":
            obj, code, notes = status_mod.collect(s)
            if args.json:
                print(json.dumps(obj, sort_keys=True))
            else:
                for line in status_mod.human(obj, notes):
                    say(line)
            return int(code)
        if args.verb == "stop":
            return stop(s)
        if args.lines < 0:
            raise PodError(
                ExitCode.USAGE, f"Cannot show the log as --lines must be >= 0: current value is {args.lines}"
            )
        return logs.show(Paths(os.path.join(s.pod_dir, "triton")).log_file, args.lines, args.follow)
    except PodError as e:
        print(PREFIX + e.message, file=sys.stderr, flush=True)
        if e.detail:
            print(e.detail, file=sys.stderr, flush=True)
        return int(e.code)
    except KeyboardInterrupt:
        print(f"{PREFIX}interrupted; a tritonserver already started keeps running (`pod.sh status`)", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - a bug: show where, then one line
        traceback.print_exc()
        print(
            f"{PREFIX}Cannot complete `{args.verb}` as an unexpected error occurred: {type(e).__name__}: {e}",
            file=sys.stderr,
        )
        return int(ExitCode.FAILED)


def stop(s: settings.Settings) -> int:
    paths = Paths(os.path.join(s.pod_dir, "triton"))
    if not os.path.isdir(paths.root):
        say("Triton is not running (nothing was started on this volume)")
        return 0
    with up_mod.locked(s.pod_dir, say):
        pid = server.running_pid(paths)
        if pid is None:
            if os.path.exists(paths.pid_file):
                os.remove(paths.pid_file)
                say(f"Triton is not running (removed the stale pid file {paths.pid_file})")
            else:
                say("Triton is not running")
            return 0
        lifecycle.stop_server(pid, paths, s.stop_timeout_s, say)
    return 0
