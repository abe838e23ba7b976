"""The model's weights: a local directory as is, or a hub model downloaded once into HF_HOME on the volume."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from typing import Callable, Dict, Optional

from .errors import ExitCode, PodError
from .settings import Settings

HERE = os.path.dirname(os.path.abspath(__file__))
FETCH = os.path.join(HERE, "hf_fetch.py")

# Download sizes for the disk check when nothing is cached yet (hub files of the transformers checkpoints).
KNOWN_SIZES_GB = {
    "facebook/musicgen-small": 2.4,
    "facebook/musicgen-medium": 8.1,
    "facebook/musicgen-large": 13.5,
}
UNKNOWN_SIZE_GB = 10.0


@dataclass(frozen=True)
class Weights:
    model_id: str
    snapshot: Optional[str]  # the folder the files are in (None until downloaded)
    revision: Optional[str]
    cached: bool


def check_local_dir(path: str) -> None:
    """A local model directory must exist, be readable and hold a transformers config.json."""
    if not os.path.isdir(path):
        raise PodError(
            ExitCode.MODEL_NOT_FOUND,
            f"Cannot serve MUSICGEN_MODEL_ID={path} as that directory does not exist: "
            "copy the model there or set MUSICGEN_MODEL_ID to a hub id",
        )
    try:
        names = os.listdir(path)
    except OSError as e:
        raise PodError(
            ExitCode.MODEL_NOT_FOUND,
            f"Cannot serve MUSICGEN_MODEL_ID={path} as the directory is unreadable ({e.strerror})",
        ) from None
    config = os.path.join(path, "config.json")
    if "config.json" not in names or not os.access(config, os.R_OK):
        raise PodError(
            ExitCode.MODEL_NOT_FOUND,
            f"Cannot serve MUSICGEN_MODEL_ID={path} as it has no readable config.json: "
            "save the model there with save_pretrained()",
        )


def marker_path(s: Settings) -> str:
    return os.path.join(s.pod_dir, "weights", s.model_id.replace("/", "--") + ".json")


def read_marker(s: Settings) -> Optional[Weights]:
    """The record of a finished download, when every file it lists is still in the cache."""
    try:
        with open(marker_path(s), encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    snapshot = data.get("snapshot", "")
    files = data.get("files") or []
    if data.get("hf_home") != s.hf_home or not files:
        return None
    if not all(os.path.isfile(os.path.join(snapshot, n)) for n in files):
        return None
    return Weights(s.model_id, snapshot, data.get("revision"), True)


def state(s: Settings) -> Weights:
    """Without side effects: where the weights stand now."""
    if s.model_is_local:
        return Weights(s.model_id, s.model_id, None, True)
    return read_marker(s) or Weights(s.model_id, None, None, False)


def in_hf_cache(s: Settings) -> bool:
    """Whether HF_HOME already holds a snapshot of the model with a config and a weight file (not verified)."""
    base = os.path.join(s.hf_home, "hub", "models--" + s.model_id.replace("/", "--"))
    try:
        with open(os.path.join(base, "refs", "main"), encoding="utf-8") as f:
            snapshot = os.path.join(base, "snapshots", f.read().strip())
        names = os.listdir(snapshot)
    except OSError:
        return False
    return "config.json" in names and any(n.endswith((".safetensors", ".bin")) for n in names)


def download_size_gb(s: Settings) -> float:
    """What the disk check reserves for the weights: nothing when they are (or seem) cached already."""
    if s.model_is_local or read_marker(s) is not None or in_hf_cache(s):
        return 0.0
    return KNOWN_SIZES_GB.get(s.model_id, UNKNOWN_SIZE_GB)


def fetch(s: Settings, python: str, say: Callable[[str], None]) -> Weights:
    """Downloads into HF_HOME (resuming a cut download), or accepts a cached snapshot when offline."""
    env: Dict[str, str] = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.update(HF_HOME=s.hf_home, HF_HUB_DISABLE_TELEMETRY="1", HF_HUB_DISABLE_PROGRESS_BARS="1", PYTHONNOUSERSITE="1")
    env.pop("HF_TOKEN", None)
    if s.hf_token:
        env["HF_TOKEN"] = s.hf_token
    os.makedirs(s.hf_home, exist_ok=True)
    proc = subprocess.run([python, FETCH, s.model_id], capture_output=True, text=True, env=env)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    if proc.returncode != 0:
        message = next((line for line in reversed(lines) if line.startswith("Cannot ")), None)
        if proc.returncode == 3:
            raise PodError(
                ExitCode.HUB_UNREACHABLE,
                (message or f"Cannot download {s.model_id} as the Hugging Face hub cannot be reached")
                + ": connect the pod to the internet once, or set MUSICGEN_MODEL_ID to a local model directory",
            )
        if proc.returncode == 4:
            raise PodError(ExitCode.MODEL_NOT_FOUND, message or f"Cannot download {s.model_id}")
        raise PodError(
            ExitCode.INSTALL_FAILED,
            f"Cannot download {s.model_id} as the download helper failed (exit status {proc.returncode}): "
            + (lines[-1] if lines else "no output"),
        )
    for line in lines:
        say(line)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if result.get("offline"):
        reason = result.get("reason")
        say(f"weights: the hub cannot be reached ({reason}); using the cached snapshot {result['snapshot']}")
    record = dict(result, model_id=s.model_id, hf_home=s.hf_home)
    path = marker_path(s)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(record, f, indent=1, sort_keys=True)
    os.replace(path + ".tmp", path)
    return Weights(s.model_id, result["snapshot"], result.get("revision"), True)
