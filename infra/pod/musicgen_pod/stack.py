"""The Python environment Triton's Python backend runs in: pins, probing, and the venv on the volume."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from typing import Callable, Dict, List, Optional, Tuple

from .errors import ExitCode, PodError

HERE = os.path.dirname(os.path.abspath(__file__))
PINS_FILE = os.path.normpath(os.path.join(HERE, "..", "..", "python-stack.env"))
PROBE = os.path.join(HERE, "probe.py")
MARKER = ".musicgen-stack.json"


@dataclass(frozen=True)
class Pins:
    """infra/python-stack.env: the shipping versions and the accepted ranges."""

    torch_version: str
    torch_min: str
    torch_max: str
    transformers_version: str
    pytriton_version: str
    numpy_version: str
    numpy_max: str
    glibc_min: str
    python_min: str
    python_max: str

    @property
    def torch_range(self) -> str:
        return f"{self.torch_min} <= torch < {self.torch_max}"


def read_pins(path: str = PINS_FILE) -> Pins:
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip()
    keys = {
        "torch_version": "TORCH_VERSION",
        "torch_min": "TORCH_MIN_VERSION",
        "torch_max": "TORCH_MAX_VERSION",
        "transformers_version": "TRANSFORMERS_VERSION",
        "pytriton_version": "NVIDIA_PYTRITON_VERSION",
        "numpy_version": "NUMPY_VERSION",
        "numpy_max": "NUMPY_MAX_VERSION",
        "glibc_min": "GLIBC_MIN_VERSION",
        "python_min": "PYTHON_MIN_VERSION",
        "python_max": "PYTHON_MAX_VERSION",
    }
    missing = [k for k in keys.values() if not values.get(k)]
    if missing:
        raise PodError(ExitCode.FAILED, f"Cannot read the version pins as {path} lacks {', '.join(missing)}")
    return Pins(**{field: values[key] for field, key in keys.items()})


def version_tuple(text: str) -> Tuple[int, ...]:
    """Leading numeric parts: ``"2.11.0+cu130"`` -> (2, 11, 0), ``"2.36"`` -> (2, 36)."""
    parts = []
    for piece in text.split("+")[0].split("."):
        m = re.match(r"\d+", piece)
        if not m:
            break
        parts.append(int(m.group()))
        if m.group() != piece:
            break
    return tuple(parts)


def in_range(version: str, lo: str, hi: str) -> bool:
    """lo <= version < hi, comparing numeric parts (``2.11.0`` is below ``2.12``)."""
    v = version_tuple(version)
    return version_tuple(lo) <= v < version_tuple(hi)


def numpy_supported(version: object, pins: Pins) -> bool:
    """numpy below NUMPY_MAX_VERSION: Triton's Python backend stub garbles BYTES tensors with numpy 2."""
    return isinstance(version, str) and version_tuple(version) < version_tuple(pins.numpy_max)


def python_supported(version: str, pins: Pins) -> bool:
    v = version_tuple(version)[:2]
    return version_tuple(pins.python_min) <= v <= version_tuple(pins.python_max)


def probe(python: str) -> Dict[str, object]:
    """What ``python`` has (versions of torch, transformers, ...), from probe.py's JSON line."""
    env = dict(os.environ, PYTHONNOUSERSITE="1")
    env.pop("PYTHONPATH", None)
    try:
        proc = subprocess.run([python, PROBE], capture_output=True, text=True, env=env, timeout=300)
    except OSError as e:
        raise PodError(ExitCode.PYTHON_UNSUPPORTED, f"Cannot run {python} as {e.strerror}") from None
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise PodError(ExitCode.INSTALL_FAILED, f"Cannot inspect the Python at {python} as it failed: {tail}")
    return json.loads(lines[-1])


@dataclass(frozen=True)
class EnvPlan:
    """What the Python environment step will do (or did)."""

    prefix: str  # the env Triton's EXECUTION_ENV_PATH points at
    python: str  # prefix/bin/python
    prebuilt: bool
    create: bool  # a venv is (re)created
    install: Tuple[str, ...]  # pip requirements still to install ("" when nothing)
    install_pytriton: bool
    reuse_torch: Optional[str]  # the image's torch version when it is reused
    base_python: Optional[str]
    notes: Tuple[str, ...]


def wanted_marker(
    pins: Pins, base_python: str, base: Dict[str, object], torch_source: str, wheels_dir: Optional[str], pytriton: bool
) -> Dict[str, object]:
    """What a finished venv records: another image Python (path or version), other pins or sources mean
    another venv."""
    return {
        "pins": asdict(pins),
        "base_python": base_python,
        "base_python_version": base.get("python"),
        "torch": torch_source,
        "wheels_dir": wheels_dir or "",
        "nvidia_pytriton": pytriton,
    }


def read_marker(prefix: str) -> Optional[Dict[str, object]]:
    try:
        with open(os.path.join(prefix, MARKER), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def plan_venv(
    prefix: str,
    base_python: str,
    base: Dict[str, object],
    pins: Pins,
    wheels_dir: Optional[str],
    with_pytriton: bool = True,
) -> Tuple[EnvPlan, Dict[str, object]]:
    """Decides how to make the venv on the volume from the image's Python (``base`` is its probe).
    ``with_pytriton`` false: the tritonserver comes from elsewhere (MUSICGEN_TRITONSERVER)."""
    torch_found = base.get("torch")
    notes: List[str] = []
    if isinstance(torch_found, str) and in_range(torch_found, pins.torch_min, pins.torch_max):
        reuse: Optional[str] = torch_found
        torch_source = f"image {torch_found}"
        notes.append(f"torch {torch_found} of the image is in the pinned range ({pins.torch_range}): reused")
    else:
        reuse = None
        torch_source = f"pinned {pins.torch_version}"
        found = f"torch {torch_found} of the image is" if torch_found else "the image has no torch, so torch is"
        notes.append(
            f"{found} outside the pinned range ({pins.torch_range}): installing torch {pins.torch_version}"
            if torch_found
            else f"{found} installed: torch {pins.torch_version}"
        )
    numpy_found = base.get("numpy")
    install_numpy = not numpy_supported(numpy_found, pins)
    if install_numpy:
        found = f"numpy {numpy_found} of the image is not" if numpy_found else "the image has no numpy, which must be"
        notes.append(
            f"{found} below {pins.numpy_max} (Triton's Python backend stub needs numpy 1): "
            f"installing numpy {pins.numpy_version}"
        )
    want = wanted_marker(pins, base_python, base, torch_source, wheels_dir, with_pytriton)
    python = os.path.join(prefix, "bin", "python")
    done = read_marker(prefix) == want and os.access(python, os.X_OK)
    install: Tuple[str, ...] = ()
    if not done:
        reqs = [f"transformers=={pins.transformers_version}"]
        if reuse is None:
            reqs.insert(0, f"torch=={pins.torch_version}")
        if install_numpy:
            reqs.append(f"numpy=={pins.numpy_version}")
        install = tuple(reqs)
    plan = EnvPlan(
        prefix=prefix,
        python=python,
        prebuilt=False,
        create=not done and not os.access(python, os.X_OK),
        install=install,
        install_pytriton=not done and with_pytriton,
        reuse_torch=reuse,
        base_python=base_python,
        notes=tuple(notes),
    )
    return plan, want


def pip_args(python: str, wheels_dir: Optional[str], index_url: Optional[str], torch: bool) -> List[str]:
    args = [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "-q"]
    if wheels_dir:
        args += ["--no-index", "--find-links", wheels_dir]
    elif index_url and torch:
        args += ["--extra-index-url", index_url]
    return args


def build_venv(
    plan: EnvPlan,
    want: Dict[str, object],
    pins: Pins,
    wheels_dir: Optional[str],
    index_url: Optional[str],
    say: Callable[[str], None],
) -> None:
    """Creates or completes the venv; safe to re-run after a crash (the marker is written last)."""
    marker = os.path.join(plan.prefix, MARKER)
    if os.path.exists(marker):
        os.remove(marker)
    if plan.create or not _python_works(plan.python):
        if os.path.isdir(plan.prefix):
            say(f"removing the unusable venv at {plan.prefix}")
            shutil.rmtree(plan.prefix)
        say(f"creating a venv at {plan.prefix} (--system-site-packages, from {plan.base_python})")
        _run_install([plan.base_python, "-m", "venv", "--system-site-packages", plan.prefix], plan.prefix)
    wants_torch = any(r.startswith("torch==") for r in plan.install)
    say(f"pip install {' '.join(plan.install)}" + (f" (from {wheels_dir})" if wheels_dir else ""))
    _run_install(
        pip_args(plan.python, wheels_dir, index_url, wants_torch) + list(plan.install), plan.prefix, wheels_dir
    )
    if plan.install_pytriton:
        pytriton = f"nvidia-pytriton=={pins.pytriton_version}"
        say(f"pip install --no-deps {pytriton} (the tritonserver binary and its Python backend)")
        _run_install(
            pip_args(plan.python, wheels_dir, index_url, False) + ["--no-deps", pytriton], plan.prefix, wheels_dir
        )
    with open(marker + ".tmp", "w", encoding="utf-8") as f:
        json.dump(want, f, sort_keys=True)
    os.replace(marker + ".tmp", marker)


def _python_works(python: str) -> bool:
    try:
        return subprocess.run([python, "-c", "pass"], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _run_install(cmd: List[str], prefix: str, wheels_dir: Optional[str] = None) -> None:
    env = dict(os.environ, PYTHONNOUSERSITE="1", PIP_NO_INPUT="1")
    env.pop("PYTHONPATH", None)
    try:
        code = subprocess.run(cmd, env=env).returncode
    except OSError as e:
        code, reason = -1, e.strerror
    else:
        reason = f"exit status {code}"
    if code == 0:
        return
    if cmd[1:3] == ["-m", "venv"]:
        raise PodError(
            ExitCode.INSTALL_FAILED,
            f"Cannot create the venv {prefix} as `{cmd[0]} -m venv` failed ({reason}): see the lines above; on "
            "Debian or Ubuntu install the python3-venv package, then run `pod.sh up` again",
        )
    hint = (
        f"add the missing wheels to MUSICGEN_WHEELS_DIR={wheels_dir}"
        if wheels_dir
        else "without a package index, set MUSICGEN_WHEELS_DIR to a folder of wheels"
    )
    raise PodError(
        ExitCode.INSTALL_FAILED,
        f"Cannot install the Python packages into {prefix} as pip failed ({reason}): see the lines above; "
        f"{hint}, then run `pod.sh up` again",
    )


def check_env(info: Dict[str, object], prefix: str, pins: Pins, kind: str, prebuilt: bool) -> List[str]:
    """Checks a ready environment's probe; returns warning lines. Fails when torch, transformers,
    huggingface_hub or numpy cannot load, or numpy is 2 or newer (whatever made the environment)."""
    for name in ("torch", "transformers", "huggingface_hub", "numpy"):
        if not info.get(name):
            raise PodError(
                ExitCode.INSTALL_FAILED,
                f"Cannot serve from the Python environment {prefix} as `import {name}` fails: "
                f"{info.get(name + '_error', 'not installed')}",
            )
    if not numpy_supported(info["numpy"], pins):
        fix = f"delete {prefix} and run `pod.sh up` again"
        if prebuilt:
            fix = f"install numpy=={pins.numpy_version} into it"
        raise PodError(
            ExitCode.INSTALL_FAILED,
            f"Cannot serve from {prefix} as its numpy {info['numpy']} is not below {pins.numpy_max} (Triton's Python "
            f"backend stub garbles text tensors with numpy 2): {fix}",
        )
    warnings = []
    torch = str(info["torch"])
    transformers = str(info["transformers"])
    if not in_range(torch, pins.torch_min, pins.torch_max):
        if not prebuilt:
            raise PodError(
                ExitCode.INSTALL_FAILED,
                f"Cannot serve from {prefix} as its torch {torch} is outside the pinned range ({pins.torch_range}): "
                f"delete {prefix} and run `pod.sh up` again",
            )
        warnings.append(f"torch {torch} in {prefix} is outside the pinned range ({pins.torch_range}); serving anyway")
    if transformers != pins.transformers_version:
        if not prebuilt:
            raise PodError(
                ExitCode.INSTALL_FAILED,
                f"Cannot serve from {prefix} as its transformers is {transformers}, not the pinned "
                f"{pins.transformers_version}: delete {prefix} and run `pod.sh up` again",
            )
        warnings.append(
            f"transformers {transformers} in {prefix} is not the pinned {pins.transformers_version}; serving anyway"
        )
    if kind == "gpu" and not info.get("cuda_devices"):
        raise PodError(
            ExitCode.NO_GPU,
            f"Cannot serve on the GPU as torch {torch} in {prefix} sees no CUDA device (built for CUDA "
            f"{info.get('torch_cuda')}): if the driver is older than that, set MUSICGEN_TORCH_INDEX_URL to a "
            "matching PyTorch index and delete the venv; to serve on CPU set MUSICGEN_INSTANCE_KIND=cpu",
        )
    return warnings
