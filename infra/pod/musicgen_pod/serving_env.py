"""The serving environment of `up`: which Python env Triton's Python backend runs in (prebuilt, or the
venv on the volume), making it when needed, and the tritonserver and backend stub that go with it."""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from typing import Callable, Dict, Optional

from . import checks, stack
from .errors import ExitCode, PodError
from .settings import Settings
from .triton_install import TritonInstall, locate

Say = Callable[[str], None]
ENV_GB = {"with_torch": 7.0, "without_torch": 1.0}  # disk a new venv takes, with or without its own torch


@dataclass(frozen=True)
class EnvChoice:
    """Decided before anything changes: where the env is and what making it still takes."""

    prefix: str
    info: Dict[str, object]  # probe of the prebuilt env, or of the image's Python the venv is made from
    plan: Optional[stack.EnvPlan]  # None for a prebuilt env
    want: Optional[Dict[str, object]]  # the venv's completion record
    disk_gb: float


@dataclass(frozen=True)
class ServingEnv:
    prefix: str
    python_version: str
    triton: Optional[TritonInstall]  # None only in a dry-run whose venv does not exist yet
    stub: Optional[str]


def choose(s: Settings, pins: stack.Pins, explicit: Optional[TritonInstall], dry_run: bool, say: Say) -> EnvChoice:
    if s.python_env:
        python = os.path.join(s.python_env, "bin", "python")
        if not os.access(python, os.X_OK):
            raise PodError(ExitCode.USAGE, f"Cannot use MUSICGEN_PYTHON_ENV as {python} is not an executable Python")
        info = stack.probe(python)
        check_python(str(info["python"]), pins, python)
        say(
            f"Python env: {s.python_env} (prebuilt, Python {info['python']}, torch {info.get('torch')}, "
            f"transformers {info.get('transformers')})"
        )
        return EnvChoice(s.python_env, info, None, None, 0.0)
    base_python = sys.executable
    base = stack.probe(base_python)
    check_python(str(base["python"]), pins, base_python)
    prefix = os.path.join(s.pod_dir, "venv")
    plan, want = stack.plan_venv(prefix, base_python, base, pins, s.wheels_dir, with_pytriton=explicit is None)
    for note in plan.notes:
        say(f"Python env: {note}")
    if plan.install:
        pytriton = [f"nvidia-pytriton=={pins.pytriton_version} (--no-deps)"] if plan.install_pytriton else []
        what = ", ".join(list(plan.install) + pytriton)
        source = f"from {s.wheels_dir}" if s.wheels_dir else "from the package index"
        verb = ("would " if dry_run else "will ") + ("create" if plan.create else "complete")
        say(f"Python env: {verb} the venv {prefix} and install {what} {source}")
        disk_gb = ENV_GB["without_torch" if plan.reuse_torch else "with_torch"]
    else:
        say(f"Python env: {prefix} (ready)")
        disk_gb = 0.0
    return EnvChoice(prefix, base, plan, want, disk_gb)


def make_ready(
    choice: EnvChoice,
    s: Settings,
    pins: stack.Pins,
    explicit: Optional[TritonInstall],
    dry_run: bool,
    say: Say,
    warn: Say,
) -> ServingEnv:
    """Builds the venv when needed (not in a dry-run), checks the env, finds tritonserver and the stub."""
    plan = choice.plan
    pending = plan is not None and bool(plan.install)
    if pending and dry_run:  # nothing to inspect yet: the base Python's version is what the venv will have
        version = str(choice.info["python"])
        triton = explicit
    else:
        if pending:
            assert plan is not None and choice.want is not None
            stack.build_venv(plan, choice.want, pins, s.wheels_dir, s.torch_index_url, say)
        info = choice.info if plan is None else stack.probe(os.path.join(choice.prefix, "bin", "python"))
        for line in stack.check_env(info, choice.prefix, pins, s.instance_kind, prebuilt=plan is None):
            warn(line)
        version = str(info["python"])
        triton = explicit or locate_in_env(info, choice.prefix)
    if triton is None:
        say(f"tritonserver: would come from nvidia-pytriton=={pins.pytriton_version} in {choice.prefix}")
        return ServingEnv(choice.prefix, version, None, None)
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
    return ServingEnv(choice.prefix, version, triton, stub)


def check_python(version: str, pins: stack.Pins, python: str) -> None:
    if not stack.python_supported(version, pins):
        raise PodError(
            ExitCode.PYTHON_UNSUPPORTED,
            f"Cannot serve with the Python at {python} as it is {version}, outside {pins.python_min} to "
            f"{pins.python_max} (transformers {pins.transformers_version} needs >= {pins.python_min}; "
            f"numpy below {pins.numpy_max}, which Triton's Python backend stub needs, has wheels up to "
            f"{pins.python_max}): use an image with a Python in that range",
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
