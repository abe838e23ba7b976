"""`pod.sh up`: check, install what is missing, fetch the weights, generate the repository, start, wait.

Idempotent: when this volume's server already runs with the same deployment (settings, repository
code, pins) it changes nothing; any difference restarts it. Safe after a crash: a stale pid file, a
half-made venv (no completion marker) and a cut download (resumed) are all picked up again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shlex
import time
from dataclasses import asdict
from typing import Callable, Dict, Iterator, Optional

from . import checks, lifecycle, repository, server, serving_env, stack, weights
from .server import Paths
from .settings import Settings, server_identity
from .triton_install import TritonInstall, locate

Say = Callable[[str], None]


def fingerprint(identity: Dict[str, str], source: str, pins: stack.Pins) -> str:
    blob = json.dumps({"settings": identity, "source": source, "pins": asdict(pins)}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def changes(old: Optional[Dict[str, object]], identity: Dict[str, str], source: str, pins: stack.Pins) -> str:
    """What differs from the running deployment, in words."""
    if not old:
        return "no record of the running deployment"
    parts = []
    for key, value in identity.items():
        before = (old.get("settings") or {}).get(key)  # type: ignore[union-attr]
        if before != value:
            parts.append(f"{key} {before or '(unset)'} -> {value or '(unset)'}")
    if old.get("source") != source:
        parts.append("the model repository's code changed")
    if old.get("pins") != asdict(pins):
        parts.append("infra/python-stack.env changed")
    return "; ".join(parts) or "the deployment changed"


@contextlib.contextmanager
def locked(pod_dir: str, say: Say) -> Iterator[None]:
    """One `up` or `stop` at a time per volume (a second one waits for the first)."""
    os.makedirs(pod_dir, exist_ok=True)
    with open(os.path.join(pod_dir, ".lock"), "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("waiting for another pod.sh up/stop on this volume to finish")
            fcntl.flock(f, fcntl.LOCK_EX)
        except OSError:
            pass  # a network volume without file locks: run unlocked
        yield


def run(s: Settings, pins: stack.Pins, restart: bool, dry_run: bool, say: Say, warn: Say) -> int:
    checks.volume(s.volume)
    paths = Paths(os.path.join(s.pod_dir, "triton"))
    context = contextlib.nullcontext() if dry_run else locked(s.pod_dir, say)
    with context:
        return _up(s, pins, paths, restart, dry_run, say, warn)


def _up(s: Settings, pins: stack.Pins, paths: Paths, restart: bool, dry_run: bool, say: Say, warn: Say) -> int:
    names = repository.model_names()
    identity = server_identity(s)
    source = repository.source_digest()
    wanted = fingerprint(identity, source, pins)

    pid = server.running_pid(paths)
    if pid is not None:
        record = server.read_deployment(paths)
        if record and record.get("fingerprint") == wanted and not restart:
            say(f"Triton already runs (pid {pid}) with these settings: nothing to change")
            if dry_run:
                return 0
            states = lifecycle.wait_ready(None, pid, paths, s.http_port, list(record.get("models") or names), s, say)
            return lifecycle.ready(pid, states, s, say, None)
        reason = "--restart" if restart else changes(record, identity, source, pins)
        say(f"{'would restart' if dry_run else 'restarting'} Triton (pid {pid}): {reason}")
    elif server.read_pid(paths) is not None:
        removing = "would remove" if dry_run else "removing"
        say(f"{removing} the stale pid file {paths.pid_file} (no tritonserver of this volume runs)")
        if not dry_run:
            os.remove(paths.pid_file)

    explicit: Optional[TritonInstall] = locate(s.tritonserver) if s.tritonserver else None
    if explicit is None or explicit.kind == "pytriton":
        say(checks.glibc(pins))
    say(checks.gpu(s.instance_kind))
    if s.model_is_local:
        weights.check_local_dir(s.model_id)
    named_ports = {
        "TRITON_HTTP_PORT": s.http_port,
        "TRITON_GRPC_PORT": s.grpc_port,
        "TRITON_METRICS_PORT": s.metrics_port,
    }
    if pid is None:
        checks.ports(named_ports)

    env = serving_env.choose(s, pins, explicit, dry_run, say)
    have = weights.state(s)
    needs = {"Python packages": env.disk_gb, f"weights of {s.model_id}": weights.download_size_gb(s)}
    say(checks.disk(s.volume, needs, s.disk_reserve_gb))

    ready_env = serving_env.make_ready(env, s, pins, explicit, dry_run, say, warn)
    triton, stub, prefix = ready_env.triton, ready_env.stub, env.prefix
    if have.cached:
        where = "a local directory" if s.model_is_local else f"cached in {s.hf_home} (revision {have.revision})"
        say(f"weights: {s.model_id}, {where}")
    elif dry_run:
        say(f"weights: would download {s.model_id} into {s.hf_home} (HF_TOKEN {'set' if s.hf_token else 'not set'})")
    else:
        have = weights.fetch(s, os.path.join(prefix, "bin", "python"), say)
        say(f"weights: {s.model_id} in {have.snapshot}")

    values = repository.ModelValues(
        instance_kind=s.instance_kind,
        model_id=s.model_id,
        max_concurrent=s.max_concurrent,
        hf_local_files_only=True,
        execution_env=prefix,
    )
    binary = triton.binary if triton else os.path.join(prefix, "...", "tritonserver")
    cmd = server.command(
        binary, paths, s.http_port, s.grpc_port, s.metrics_port, s.instance_kind == "gpu", address=s.listen_address
    )
    if dry_run:
        say(f"model repository: would generate {paths.models}: {repository.describe(values, names)}")
        say(f"would start: {shlex.join(cmd)}")
        say(f"would wait up to {s.start_timeout_s:g} s for {', '.join(names)} to be ready (log: {paths.log_file})")
        return 0

    assert triton is not None and stub is not None
    if pid is not None:  # the old server goes only now, once everything the new one needs is in place
        lifecycle.stop_server(pid, paths, s.stop_timeout_s, say)
        checks.ports(named_ports)
    say(f"model repository: generating {paths.models}: {repository.describe(values, names)}")
    os.makedirs(paths.root, exist_ok=True)
    repository.generate(paths.root, values, triton.python_backend, stub)
    began = time.monotonic()
    proc = server.start(cmd, server.server_env(dict(os.environ), triton.libs, s.hf_home), paths)
    record = {
        "fingerprint": wanted,
        "settings": identity,
        "source": source,
        "pins": asdict(pins),
        "pid": proc.pid,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "models": names,
        "python_env": prefix,
        "command": cmd,
    }
    server.write_json(paths.deployment, record)
    say(f"started tritonserver (pid {proc.pid}); log: {paths.log_file}")
    states = lifecycle.wait_ready(proc, proc.pid, paths, s.http_port, names, s, say)
    return lifecycle.ready(proc.pid, states, s, say, began)
