"""The server's start-to-ready and stop, as the user sees them: progress lines, the ready summary, the
one-line failures with the log's errors."""

from __future__ import annotations

import os
import time
from typing import Callable, Dict, List, Optional

from . import server
from .errors import ExitCode, PodError
from .server import Paths
from .settings import Settings

Say = Callable[[str], None]
PROGRESS_EVERY_S = 10.0


def stop_server(pid: int, paths: Paths, timeout_s: float, say: Say) -> None:
    """Stops the server (graceful first), says how, removes the pid file."""
    graceful, seconds = server.stop(pid, paths, timeout_s)
    how = "" if graceful else f" (killed after {timeout_s:g} s, MUSICGEN_STOP_TIMEOUT_S)"
    say(f"stopped tritonserver (pid {pid}) in {seconds:.1f} s{how}")
    if os.path.exists(paths.pid_file):
        os.remove(paths.pid_file)


def wait_ready(
    proc, pid: int, paths: Paths, port: int, names: List[str], s: Settings, say: Say
) -> Dict[str, Dict[str, object]]:
    """Polls until every model is ready; fails when the server exits or the timeout passes."""
    began = time.monotonic()
    last = began
    while True:
        # The parent knows from poll(); /proc may still show the forked Python until exec() is done.
        code = proc.poll() if proc is not None else None
        alive = code is None if proc is not None else server.is_our_server(pid, paths)
        if not alive:
            if os.path.exists(paths.pid_file):
                os.remove(paths.pid_file)
            status = f"status {code}" if code is not None else "an unknown status"
            raise PodError(
                ExitCode.SERVER_DIED,
                f"Cannot start Triton as tritonserver (pid {pid}) exited with {status} while loading the models: "
                f"its errors and the last lines of {paths.log_file} follow",
                server.log_summary(paths),
            )
        states = server.model_states(port, names)
        if states is not None and all(state["ready"] for state in states.values()):
            return states
        now = time.monotonic()
        if now - began > s.start_timeout_s:
            raise PodError(
                ExitCode.START_TIMEOUT,
                f"Cannot confirm Triton is ready as not every model was ready after {s.start_timeout_s:g} s "
                f"(MUSICGEN_START_TIMEOUT_S): it keeps running; `pod.sh status` shows progress, `pod.sh stop` stops "
                f"it; the errors so far and the last lines of {paths.log_file} follow",
                server.log_summary(paths),
            )
        if now - last >= PROGRESS_EVERY_S:
            last = now
            if states is None:
                progress = server.log_progress(paths, names)
                detail = ", ".join(f"{name} {state}" for name, state in progress.items()) + " (from the log)"
            else:
                detail = ", ".join(f"{name} {state['state']}" for name, state in states.items())
            say(f"waiting for Triton ({now - began:.0f} s): {detail}")
        time.sleep(0.5)


def ready(pid: int, states: Dict[str, Dict[str, object]], s: Settings, say: Say, began: Optional[float]) -> int:
    """The summary once every model is ready: addresses and the tunnel command."""
    took = f" after {time.monotonic() - began:.0f} s" if began is not None else ""
    say(f"Triton is ready (pid {pid}){took}: {', '.join(states)}")
    if s.listen_address != "127.0.0.1":
        say(
            f"  gRPC {s.listen_address}:{s.grpc_port}, HTTP {s.listen_address}:{s.http_port}, metrics "
            f"{s.listen_address}:{s.metrics_port} (every interface of this container: keep its network private)"
        )
        return int(ExitCode.OK)
    say(
        f"  gRPC 127.0.0.1:{s.grpc_port}, HTTP 127.0.0.1:{s.http_port}, metrics 127.0.0.1:{s.metrics_port} "
        "(this machine only: reach them through an SSH tunnel)"
    )
    host = os.environ.get("RUNPOD_PUBLIC_IP")
    port = os.environ.get("RUNPOD_TCP_PORT_22")
    target = f"-p {port} root@{host}" if host and port else "USER@POD"
    say(f"  tunnel from your laptop: ssh -N -L {s.grpc_port}:127.0.0.1:{s.grpc_port} {target}")
    return int(ExitCode.OK)
