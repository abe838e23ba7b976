"""The tritonserver process: paths on the volume, start (detached), health over HTTP, stop."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from .errors import ExitCode, PodError

LOG_ROTATE_BYTES = 64 * 2**20
SECRET_ENV = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


@dataclass(frozen=True)
class Paths:
    """Where the runtime keeps the server's files: ``<volume>/musicgen/triton``."""

    root: str

    @property
    def models(self) -> str:
        return os.path.join(self.root, "models")

    @property
    def backends(self) -> str:
        return os.path.join(self.root, "backends")

    @property
    def pid_file(self) -> str:
        return os.path.join(self.root, "tritonserver.pid")

    @property
    def log_file(self) -> str:
        return os.path.join(self.root, "tritonserver.log")

    @property
    def deployment(self) -> str:
        """JSON record of the running deployment: identity, fingerprint, ports, models, start time."""
        return os.path.join(self.root, "deployment.json")


def read_pid(paths: Paths) -> Optional[int]:
    try:
        with open(paths.pid_file, encoding="utf-8") as f:
            text = f.read().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def is_our_server(pid: int, paths: Paths) -> bool:
    """True when ``pid`` is a live (not zombie) tritonserver serving this volume's repository."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            args = f.read().split(b"\0")
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return (
        state != "Z"
        and bool(args)
        and os.path.basename(args[0]) == b"tritonserver"
        and f"--model-repository={paths.models}".encode() in args
    )


def running_pid(paths: Paths) -> Optional[int]:
    """The pid of this volume's tritonserver, or None (a pid file naming another process is stale)."""
    pid = read_pid(paths)
    return pid if pid is not None and is_our_server(pid, paths) else None


def read_deployment(paths: Paths) -> Optional[Dict[str, object]]:
    try:
        with open(paths.deployment, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def write_json(path: str, data: Dict[str, object]) -> None:
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(path + ".tmp", path)


# gRPC keepalive. The batch's client pings every 30 s while calls are open (keepaliveTimeMs in
# libs/triton-client), so that a frozen server fails its calls instead of stalling them. Triton's default
# minimum interval between pings on a quiet connection is 300 s, and it answers two earlier ones with a
# GOAWAY ("too_many_pings") that fails every request on the connection: accept one every 10 s. The
# server pings its clients every 60 s, so the requests of a client that vanished are cancelled.
GRPC_MIN_PING_INTERVAL_MS = 10_000
GRPC_KEEPALIVE_TIME_MS = 60_000
GRPC_KEEPALIVE_TIMEOUT_MS = 20_000


def command(
    binary: str,
    paths: Paths,
    http: int,
    grpc: int,
    metrics: int,
    gpu_metrics: bool,
    min_ping_interval_ms: int = GRPC_MIN_PING_INTERVAL_MS,
    address: str = "127.0.0.1",
) -> List[str]:
    """The tritonserver command line: every endpoint on ``address``, 127.0.0.1 unless the server runs in a
    container whose network is private (Triton has no authentication), and keepalive settings that let
    clients ping every ``min_ping_interval_ms`` on a quiet connection."""
    return [
        binary,
        f"--model-repository={paths.models}",
        f"--backend-directory={paths.backends}",
        f"--http-address={address}",
        f"--http-port={http}",
        f"--grpc-address={address}",
        f"--grpc-port={grpc}",
        "--allow-metrics=true",
        f"--metrics-address={address}",
        f"--metrics-port={metrics}",
        f"--allow-gpu-metrics={'true' if gpu_metrics else 'false'}",
        "--allow-sagemaker=false",
        "--allow-vertex-ai=false",
        "--exit-timeout-secs=30",
        f"--grpc-http2-min-recv-ping-interval-without-data={min_ping_interval_ms}",
        f"--grpc-keepalive-time={GRPC_KEEPALIVE_TIME_MS}",
        f"--grpc-keepalive-timeout={GRPC_KEEPALIVE_TIMEOUT_MS}",
    ]


def server_env(base: Dict[str, str], libs: Optional[str], hf_home: str) -> Dict[str, str]:
    """The server's environment: no secrets, the wheel's libraries, the weights cache, offline hub access."""
    env = {k: v for k, v in base.items() if k not in SECRET_ENV and k != "PYTHONPATH"}
    if libs:
        env["LD_LIBRARY_PATH"] = libs + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    env.update(
        HF_HOME=hf_home,
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        HF_HUB_DISABLE_TELEMETRY="1",
        PYTHONNOUSERSITE="1",
    )
    return env


def start(cmd: List[str], env: Dict[str, str], paths: Paths) -> subprocess.Popen:
    """Starts tritonserver in its own session (it survives the SSH session), output appended to the log."""
    if os.path.exists(paths.log_file) and os.path.getsize(paths.log_file) > LOG_ROTATE_BYTES:
        os.replace(paths.log_file, paths.log_file + ".1")
    log = open(paths.log_file, "ab")
    try:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        log.write(f"{START_HEADER} at {stamp} ---\n".encode())
        log.flush()
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=paths.root,
            start_new_session=True,
            close_fds=True,
        )
    finally:
        log.close()
    with open(paths.pid_file + ".tmp", "w", encoding="utf-8") as f:
        f.write(f"{proc.pid}\n")
    os.replace(paths.pid_file + ".tmp", paths.pid_file)
    return proc


def http_json(port: int, path: str, method: str = "GET", timeout: float = 3.0) -> Tuple[int, Optional[object]]:
    """(status, parsed JSON body or None); status 0 when nothing answers."""
    data = b"{}" if method == "POST" else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            body = r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read()
    except (OSError, ValueError):
        return 0, None
    try:
        return status, json.loads(body) if body else None
    except ValueError:
        return status, None


def model_states(port: int, names: List[str]) -> Optional[Dict[str, Dict[str, object]]]:
    """Each model's readiness ({"ready", "state"[, "reason"]}), or None when the server does not answer."""
    status, index = http_json(port, "/v2/repository/index", method="POST")
    if status != 200 or not isinstance(index, list):
        return None
    by_name = {entry.get("name"): entry for entry in index if isinstance(entry, dict)}
    states: Dict[str, Dict[str, object]] = {}
    for name in names:
        entry = by_name.get(name, {})
        ready_status, _ = http_json(port, f"/v2/models/{name}/ready")
        item: Dict[str, object] = {"ready": ready_status == 200, "state": entry.get("state") or "UNKNOWN"}
        if entry.get("reason"):
            item["reason"] = entry["reason"]
        states[name] = item
    return states


START_HEADER = "--- musicgen-pod: starting tritonserver"
ERROR_LINE = re.compile(r"^E\d{4} ")


def _latest_start(paths: Paths) -> List[str]:
    """The log lines of the latest start (after its header line)."""
    with open(paths.log_file, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - 4 * 2**20))
        lines = f.read().decode("utf-8", errors="replace").splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(START_HEADER)]
    return lines[starts[-1] + 1 :] if starts else lines


def log_progress(paths: Paths, names: List[str]) -> Dict[str, str]:
    """Each model's load progress from the latest start's log (Triton answers HTTP only once every model
    has loaded): ``LOADING`` or ``LOADED``, ``FAILED`` when it could not load, ``PENDING`` before that."""
    try:
        section = _latest_start(paths)
    except OSError:
        return {name: "PENDING" for name in names}
    progress = {name: "PENDING" for name in names}
    for line in section:
        for name in names:
            if f'"loading: {name}:' in line:
                progress[name] = "LOADING"
            elif f"successfully loaded '{name}'" in line:
                progress[name] = "LOADED"
            elif f"failed to load '{name}'" in line:
                progress[name] = "FAILED"
    return progress


def log_summary(paths: Paths, last: int = 5) -> str:
    """What went wrong in the latest start: Triton's error lines (first line of each message), then the
    log's last lines."""
    try:
        section = _latest_start(paths)
    except OSError:
        return "(no log)"
    errors = [line.split("\\n", 1)[0][:500] for line in section if ERROR_LINE.match(line)]
    return "\n".join(errors + section[-last:])


def stop(pid: int, paths: Paths, timeout_s: float) -> Tuple[bool, float]:
    """SIGTERM, then SIGKILL to the whole process group after ``timeout_s``; returns (graceful, seconds)."""
    began = time.monotonic()
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return True, 0.0
    if _wait_gone(pid, paths, timeout_s):
        _kill_group(pid)  # stubs left behind by a crashed server
        return True, time.monotonic() - began
    _kill_group(pid)
    if not _wait_gone(pid, paths, 10):
        raise PodError(ExitCode.STOP_FAILED, f"Cannot stop tritonserver (pid {pid}) as it survived SIGKILL")
    return False, time.monotonic() - began


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _wait_gone(pid: int, paths: Paths, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not is_our_server(pid, paths):
            return True
        time.sleep(0.2)
    return not is_our_server(pid, paths)
