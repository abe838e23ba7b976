"""`pod.sh serve`: `up`, then stay in the foreground as long as the server runs (a container's main process).

A container ends when its main process does, and Kubernetes stops it with SIGTERM: so `serve` starts the
server exactly as `up` does (same checks, same generated repository, same readiness wait), then watches
it. SIGTERM or SIGINT stops the server gracefully (MUSICGEN_STOP_TIMEOUT_S, then SIGKILL) and exits 0; a
server that exits on its own ends `serve` with SERVER_DIED and the log's errors, so the container is
restarted.
"""

from __future__ import annotations

import os
import signal
import threading
from typing import Callable

from . import lifecycle, server, stack
from . import up as up_mod
from .errors import ExitCode, PodError
from .server import Paths
from .settings import Settings

Say = Callable[[str], None]
POLL_S = 1.0


class _Stopped(Exception):
    """A stop signal arrived before the server was ready."""


def run(s: Settings, pins: stack.Pins, say: Say, warn: Say) -> int:
    stop = threading.Event()
    received = []
    serving = []
    paths = Paths(os.path.join(s.pod_dir, "triton"))

    # As a container's process 1, a signal with the default action is ignored: handle both explicitly.
    def on_signal(signum, _frame) -> None:
        received.append(signal.Signals(signum).name)
        stop.set()
        if not serving:
            raise _Stopped()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        try:
            code = up_mod.run(s, pins, False, False, say, warn)
            serving.append(True)
        except _Stopped:
            say(f"{received[0]}: stopping before the server was ready")
            pid = server.running_pid(paths)
            if pid is not None:
                lifecycle.stop_server(pid, paths, s.stop_timeout_s, say)
            return int(ExitCode.OK)
        if code != int(ExitCode.OK):
            return code
        pid = server.running_pid(paths)
        if pid is None:
            raise PodError(
                ExitCode.SERVER_DIED,
                "Cannot keep serving as tritonserver exited right after it was ready: "
                f"the last lines of {paths.log_file} follow",
                server.log_summary(paths),
            )
        say(f"serving in the foreground (pid {pid}); SIGTERM stops the server")
        while not stop.wait(POLL_S):
            if not server.is_our_server(pid, paths):
                if os.path.exists(paths.pid_file):
                    os.remove(paths.pid_file)
                raise PodError(
                    ExitCode.SERVER_DIED,
                    f"Cannot keep serving as tritonserver (pid {pid}) exited: its errors and the last lines of "
                    f"{paths.log_file} follow",
                    server.log_summary(paths),
                )
        say(f"{received[0]}: stopping tritonserver (pid {pid})")
        with up_mod.locked(s.pod_dir, say):
            lifecycle.stop_server(pid, paths, s.stop_timeout_s, say)
        return int(ExitCode.OK)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
