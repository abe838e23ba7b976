"""The deployment's model repository: a copy of infra/triton/model_repository with config.pbtxt values
written from the settings, plus the Python backend folder with the stub for the environment's Python."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from .errors import ExitCode, PodError

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", "..", "triton", "model_repository"))
IGNORED = ("__pycache__", ".pytest_cache")
KIND = re.compile(r"\bkind\s*:\s*KIND_(GPU|CPU)\b")


@dataclass(frozen=True)
class ModelValues:
    """The values the settings decide, for every model of the repository."""

    instance_kind: str  # gpu | cpu
    model_id: str
    max_concurrent: str
    hf_local_files_only: bool
    execution_env: str  # EXECUTION_ENV_PATH: the Python environment's prefix

    def parameters(self) -> Dict[str, str]:
        """Parameters set where a model's config.pbtxt already declares them."""
        return {
            "model_id": self.model_id,
            "max_concurrent_requests": self.max_concurrent,
            "hf_local_files_only": "true" if self.hf_local_files_only else "false",
        }


def model_names(repository: str = SOURCE) -> List[str]:
    """Every model of a repository: its sub-folders holding a config.pbtxt, sorted."""
    try:
        entries = sorted(os.listdir(repository))
    except OSError as e:
        raise PodError(ExitCode.FAILED, f"Cannot read the model repository {repository} as {e.strerror}") from None
    return [n for n in entries if os.path.isfile(os.path.join(repository, n, "config.pbtxt"))]


def _parameter_pattern(key: str) -> re.Pattern[str]:
    return re.compile(
        r'(parameters\s*:?\s*\{\s*key\s*:\s*"' + re.escape(key) + r'"\s*value\s*:?\s*\{\s*string_value\s*:\s*")'
        r'((?:[^"\\]|\\.)*)(")'
    )


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def set_parameter(config: str, key: str, value: str) -> Tuple[str, bool]:
    """Sets an existing string parameter; returns (new text, whether the key was there)."""
    pattern = _parameter_pattern(key)
    if not pattern.search(config):
        return config, False
    return pattern.sub(lambda m: m.group(1) + _quote(value) + m.group(3), config, count=1), True


def rewrite_config(config: str, values: ModelValues) -> Tuple[str, List[str]]:
    """The deployment's config.pbtxt for one model, and the names of what was set."""
    changed: List[str] = []
    if values.instance_kind == "cpu" and KIND.search(config):
        config = KIND.sub("kind: KIND_CPU", config)
        changed.append("kind")
    for key, value in values.parameters().items():
        config, found = set_parameter(config, key, value)
        if found:
            changed.append(key)
    if re.search(r'^\s*backend\s*:\s*"python"', config, re.M):
        config, found = set_parameter(config, "EXECUTION_ENV_PATH", values.execution_env)
        if not found:
            if not config.endswith("\n"):
                config += "\n"
            env = _quote(values.execution_env)
            config += f'parameters {{ key: "EXECUTION_ENV_PATH" value: {{ string_value: "{env}" }} }}\n'
        changed.append("EXECUTION_ENV_PATH")
    return config, changed


def source_digest(repository: str = SOURCE) -> str:
    """SHA-256 over every file's relative path and bytes (caches ignored): changes when the code does."""
    h = hashlib.sha256()
    for root, dirs, files in os.walk(repository):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED)
        for name in sorted(files):
            if name.endswith(".pyc"):
                continue
            path = os.path.join(root, name)
            h.update(os.path.relpath(path, repository).encode() + b"\0")
            with open(path, "rb") as f:
                h.update(hashlib.sha256(f.read()).digest())
    return h.hexdigest()


def generate(
    target: str,
    values: ModelValues,
    python_backend: str,
    stub: str,
    repository: str = SOURCE,
) -> Dict[str, List[str]]:
    """Writes ``target``/models and ``target``/backends/python, replacing what is there (built aside, then
    swapped in). Returns what was set per model. The server must not be running on ``target``."""
    names = model_names(repository)
    if not names:
        raise PodError(ExitCode.FAILED, f"Cannot generate the model repository as {repository} has no model")
    models_new = os.path.join(target, "models.new")
    backends_new = os.path.join(target, "backends.new")
    for path in (models_new, backends_new):
        if os.path.exists(path):
            shutil.rmtree(path)
    shutil.copytree(repository, models_new, ignore=shutil.ignore_patterns(*IGNORED, "*.pyc"))
    report: Dict[str, List[str]] = {}
    for name in names:
        path = os.path.join(models_new, name, "config.pbtxt")
        with open(path, encoding="utf-8") as f:
            config, changed = rewrite_config(f.read(), values)
        with open(path, "w", encoding="utf-8") as f:
            f.write(config)
        report[name] = changed
    if not any("model_id" in changed for changed in report.values()):
        raise PodError(
            ExitCode.FAILED, f"Cannot generate the model repository as no model in {repository} has a model_id"
        )
    python_dir = os.path.join(backends_new, "python")
    os.makedirs(python_dir)
    for name in ("libtriton_python.so", "triton_python_backend_utils.py"):
        shutil.copy2(os.path.join(python_backend, name), python_dir)
    shutil.copy2(stub, os.path.join(python_dir, "triton_python_backend_stub"))
    for new, final in ((models_new, "models"), (backends_new, "backends")):
        final_path = os.path.join(target, final)
        if os.path.exists(final_path):
            shutil.rmtree(final_path)
        os.replace(new, final_path)
    return report


def describe(values: ModelValues, names: Optional[List[str]] = None) -> str:
    kind = "KIND_CPU" if values.instance_kind == "cpu" else "as in the repository (KIND_GPU)"
    return (
        f"{', '.join(names or model_names())}: instances {kind}, model_id {values.model_id}, "
        f"max_concurrent_requests {values.max_concurrent}, hf_local_files_only "
        f"{'true' if values.hf_local_files_only else 'false'}, EXECUTION_ENV_PATH {values.execution_env}"
    )
