"""`pod.sh status`: is this volume's Triton running, on which addresses, is every model ready."""

from __future__ import annotations

import os
from typing import Dict, List, Tuple

from . import repository, server
from .errors import ExitCode
from .server import Paths
from .settings import Settings


def collect(s: Settings) -> Tuple[Dict[str, object], ExitCode, List[str]]:
    """(the status object, the exit code, notes). A running server is described by its own deployment
    record (the ports and model it was started with), not by settings changed since."""
    paths = Paths(os.path.join(s.pod_dir, "triton"))
    pid = server.running_pid(paths)
    record = server.read_deployment(paths) if pid is not None else None
    settings = (record or {}).get("settings") or {}
    ports = {
        name: int(settings.get(key) or default)  # type: ignore[union-attr]
        for name, key, default in (
            ("http", "TRITON_HTTP_PORT", s.http_port),
            ("grpc", "TRITON_GRPC_PORT", s.grpc_port),
            ("metrics", "TRITON_METRICS_PORT", s.metrics_port),
        )
    }
    if record and record.get("models"):
        names = list(record["models"])  # type: ignore[arg-type]
    elif os.path.isdir(paths.models):
        names = repository.model_names(paths.models)
    else:
        names = repository.model_names()
    notes: List[str] = []
    stale = server.read_pid(paths)
    if pid is None and stale is not None:
        notes.append(f"stale pid file {paths.pid_file} (pid {stale} is not this volume's tritonserver)")

    states = server.model_states(ports["http"], names) if pid is not None else None
    if pid is None:
        state, code = "stopped", ExitCode.STOPPED
        models = {name: {"ready": False, "state": None} for name in names}
    elif states is None:
        state, code = "unhealthy", ExitCode.UNHEALTHY
        models = {name: {"ready": False, "state": None} for name in names}
        progress = server.log_progress(paths, names)
        notes.append(
            f"tritonserver (pid {pid}) does not answer on 127.0.0.1:{ports['http']} (it answers once every model "
            f"has loaded; the log says: {', '.join(f'{n} {s}' for n, s in progress.items())})"
        )
    else:
        models = states
        all_ready = all(m["ready"] for m in states.values())
        state, code = ("running", ExitCode.OK) if all_ready else ("unhealthy", ExitCode.UNHEALTHY)
    status: Dict[str, object] = {
        "state": state,
        "pid": pid,
        "http": f"127.0.0.1:{ports['http']}",
        "grpc": f"127.0.0.1:{ports['grpc']}",
        "metrics": f"127.0.0.1:{ports['metrics']}",
        "models": models,
        "model_id": settings.get("MUSICGEN_MODEL_ID", s.model_id),  # type: ignore[union-attr]
        "instance_kind": settings.get("MUSICGEN_INSTANCE_KIND", s.instance_kind),  # type: ignore[union-attr]
        "started_at": (record or {}).get("started_at"),
        "log": paths.log_file,
        "model_repository": paths.models,
    }
    return status, code, notes


def human(status: Dict[str, object], notes: List[str]) -> List[str]:
    state = status["state"]
    if state == "stopped":
        head = "Triton is stopped"
    elif state == "running":
        head = f"Triton is running (pid {status['pid']}) since {status['started_at']}: every model is ready"
    else:
        head = f"Triton is unhealthy (pid {status['pid']}, started {status['started_at']}): not every model is ready"
    lines = [head]
    models = status["models"]
    assert isinstance(models, dict)
    for name, m in models.items():
        text = "ready" if m["ready"] else "not ready"
        if m.get("state"):
            text += f" ({m['state']}{': ' + str(m['reason']) if m.get('reason') else ''})"
        lines.append(f"  model    {name}: {text}")
    serves = "serves  " if state != "stopped" else "settings"
    lines += [
        f"  {serves} {status['model_id']} on {status['instance_kind']}",
        f"  gRPC     {status['grpc']}",
        f"  HTTP     {status['http']}",
        f"  metrics  {status['metrics']}",
        f"  log      {status['log']}",
    ]
    lines += [f"  note     {note}" for note in notes]
    return lines
