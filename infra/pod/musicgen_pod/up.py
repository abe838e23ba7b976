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
import sys
import time
from dataclasses import asdict
from typing import Callable, Dict, Iterator, List, Optional

from . import checks, repository, server, stack, weights
from .errors import ExitCode, PodError
from .server import Paths
from .settings import Settings, server_identity
from .triton_install import TritonInstall, locate

Say = Callable[[str], None]
PROGRESS_EVERY_S = 10.0
ENV_GB = {"with_torch": 7.0, "without_torch": 1.0}


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
            states = wait_ready(None, pid, paths, s.http_port, list(record.get("models") or names), s, say)
            return ready(pid, states, s, paths, say, None)
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

    # The Python environment Triton's Python backend runs in.
    if s.python_env:
        env_python = os.path.join(s.python_env, "bin", "python")
        if not os.access(env_python, os.X_OK):
            raise PodError(
                ExitCode.USAGE, f"Cannot use MUSICGEN_PYTHON_ENV as {env_python} is not an executable Python"
            )
        info = stack.probe(env_python)
        check_python(str(info["python"]), pins, env_python)
        plan: Optional[stack.EnvPlan] = None
        prefix = s.python_env
        env_gb = 0.0
        say(
            f"Python env: {prefix} (prebuilt, Python {info['python']}, torch {info.get('torch')}, "
            f"transformers {info.get('transformers')})"
        )
    else:
        base_python = sys.executable
        base = stack.probe(base_python)
        check_python(str(base["python"]), pins, base_python)
        prefix = os.path.join(s.pod_dir, "venv")
        plan, want = stack.plan_venv(prefix, base_python, base, pins, s.wheels_dir, with_pytriton=explicit is None)
        env_gb = 0.0 if not plan.install else ENV_GB["without_torch" if plan.reuse_torch else "with_torch"]
        for note in plan.notes:
            say(f"Python env: {note}")
        if plan.install:
            pytriton = [f"nvidia-pytriton=={pins.pytriton_version} (--no-deps)"] if plan.install_pytriton else []
            what = ", ".join(list(plan.install) + pytriton)
            source_text = f"from {s.wheels_dir}" if s.wheels_dir else "from the package index"
            verb = ("would " if dry_run else "will ") + ("create" if plan.create else "complete")
            say(f"Python env: {verb} the venv {prefix} and install {what} {source_text}")
        else:
            say(f"Python env: {prefix} (ready)")

    have = weights.state(s)
    weights_gb = weights.download_size_gb(s)
    say(checks.disk(s.volume, {"Python packages": env_gb, f"weights of {s.model_id}": weights_gb}, s.disk_reserve_gb))

    if plan is not None and plan.install and not dry_run:
        stack.build_venv(plan, want, pins, s.wheels_dir, s.torch_index_url, say)
    env_python = os.path.join(prefix, "bin", "python")
    if plan is None or not dry_run or not plan.install:
        info = stack.probe(env_python) if plan is not None else info
        for line in stack.check_env(info, prefix, pins, s.instance_kind, prebuilt=plan is None):
            warn(line)
        version = str(info["python"])
        triton = explicit or locate_in_env(info, prefix)
    else:
        version = str(base["python"])
        triton = explicit
    stub = None
    if triton is not None:
        stub = triton.stub_for(version)
        if stub is None:
            available = ", ".join(triton.stub_versions()) or "one built for another Python"
            raise PodError(
                ExitCode.PYTHON_UNSUPPORTED,
                f"Cannot serve with Python {version} as {triton.binary} has no Python backend stub for it "
                f"(it has: {available}): use an image with one of those Python versions",
            )
        missing = checks.stub_missing_libraries(stub, triton.libs)
        if missing:
            raise PodError(
                ExitCode.PYTHON_UNSUPPORTED,
                f"Cannot run the Python backend stub for Python {version} as {', '.join(missing)} cannot be found: "
                "install the shared Python library (for example `apt-get install libpython3.X`) or use an image "
                "whose Python ships it",
            )
        say(f"tritonserver: {triton.binary} (Python backend stub for {'.'.join(version.split('.')[:2])})")
    else:
        say(f"tritonserver: would come from nvidia-pytriton=={pins.pytriton_version} in {prefix}")

    if have.cached:
        where = "a local directory" if s.model_is_local else f"cached in {s.hf_home} (revision {have.revision})"
        say(f"weights: {s.model_id}, {where}")
    elif dry_run:
        say(f"weights: would download {s.model_id} into {s.hf_home} (HF_TOKEN {'set' if s.hf_token else 'not set'})")
    else:
        have = weights.fetch(s, env_python, say)
        say(f"weights: {s.model_id} in {have.snapshot}")

    values = repository.ModelValues(
        instance_kind=s.instance_kind,
        model_id=s.model_id,
        max_concurrent=s.max_concurrent,
        hf_local_files_only=True,
        execution_env=prefix,
    )
    binary = triton.binary if triton else os.path.join(prefix, "...", "tritonserver")
    cmd = server.command(binary, paths, s.http_port, s.grpc_port, s.metrics_port, s.instance_kind == "gpu")
    if dry_run:
        say(f"model repository: would generate {paths.models}: {repository.describe(values, names)}")
        say(f"would start: {shlex.join(cmd)}")
        say(f"would wait up to {s.start_timeout_s:g} s for {', '.join(names)} to be ready (log: {paths.log_file})")
        return 0

    assert triton is not None and stub is not None
    if pid is not None:  # the old server goes only now, once everything the new one needs is in place
        stop_server(pid, paths, s.stop_timeout_s, say)
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
    states = wait_ready(proc, proc.pid, paths, s.http_port, names, s, say)
    return ready(proc.pid, states, s, paths, say, began)


def check_python(version: str, pins: stack.Pins, python: str) -> None:
    if not stack.python_supported(version, pins):
        raise PodError(
            ExitCode.PYTHON_UNSUPPORTED,
            f"Cannot serve with the Python at {python} as it is {version}, outside {pins.python_min} to "
            f"{pins.python_max} (transformers {pins.transformers_version} needs >= {pins.python_min}; "
            f"nvidia-pytriton has backend stubs up to {pins.python_max}): use an image with a Python in that range",
        )


def locate_in_env(info: Dict[str, object], prefix: str) -> TritonInstall:
    pytriton_dir = info.get("pytriton_dir")
    if isinstance(pytriton_dir, str):
        with contextlib.suppress(PodError):
            return locate(pytriton_dir)
    raise PodError(
        ExitCode.NO_TRITONSERVER,
        f"Cannot find tritonserver in the Python environment {prefix}: install nvidia-pytriton there or "
        "set MUSICGEN_TRITONSERVER to an install",
    )


def stop_server(pid: int, paths: Paths, timeout_s: float, say: Say) -> None:
    graceful, seconds = server.stop(pid, paths, timeout_s)
    how = "" if graceful else f" (killed after {timeout_s:g} s, MUSICGEN_STOP_TIMEOUT_S)"
    say(f"stopped tritonserver (pid {pid}) in {seconds:.1f} s{how}")
    if os.path.exists(paths.pid_file):
        os.remove(paths.pid_file)


def wait_ready(proc, pid: int, paths: Paths, port: int, names: List[str], s: Settings, say: Say):
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


def ready(pid: int, states, s: Settings, paths: Paths, say: Say, began: Optional[float]) -> int:
    took = f" after {time.monotonic() - began:.0f} s" if began is not None else ""
    say(f"Triton is ready (pid {pid}){took}: {', '.join(states)}")
    say(
        f"  gRPC 127.0.0.1:{s.grpc_port}, HTTP 127.0.0.1:{s.http_port}, metrics 127.0.0.1:{s.metrics_port} "
        "(this machine only: reach them through an SSH tunnel)"
    )
    host = os.environ.get("RUNPOD_PUBLIC_IP")
    port = os.environ.get("RUNPOD_TCP_PORT_22")
    target = f"-p {port} root@{host}" if host and port else "USER@POD"
    say(f"  tunnel from your laptop: ssh -N -L {s.grpc_port}:127.0.0.1:{s.grpc_port} {target}")
    return int(ExitCode.OK)
