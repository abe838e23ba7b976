"""The pod's settings: the environment file on the volume, overridden by the process environment.

Every setting is listed in ``SETTINGS`` with its default; infra/pod/README.md documents the same names.
An empty value means "not set" (the default applies), as in the repository's ``.env.template``.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Tuple

from .errors import ExitCode, PodError

MODEL_ALIASES = {
    "small": "facebook/musicgen-small",
    "medium": "facebook/musicgen-medium",
    "large": "facebook/musicgen-large",
}
INSTANCE_KINDS = ("gpu", "cpu")
# Where Triton's three ports listen: this machine only (a pod reached through SSH), or every interface of
# a container whose network is private to a cluster (Kubernetes: the Service and the probes reach it).
LISTEN_ADDRESSES = ("127.0.0.1", "0.0.0.0")
HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
ENV_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# name -> default ("" = unset). MUSICGEN_VOLUME and MUSICGEN_POD_ENV_FILE are read from the process
# environment only: they say where the env file is.
SETTINGS: Dict[str, str] = {
    "MUSICGEN_VOLUME": "/workspace",
    "MUSICGEN_POD_ENV_FILE": "",  # default: $MUSICGEN_VOLUME/musicgen/pod.env
    "MUSICGEN_MODEL_ID": "facebook/musicgen-medium",
    "MUSICGEN_INSTANCE_KIND": "gpu",
    "MUSICGEN_MAX_CONCURRENT": "auto",
    "TRITON_HTTP_PORT": "8000",
    "TRITON_GRPC_PORT": "8001",
    "TRITON_METRICS_PORT": "8002",
    "HF_HOME": "",  # default: $MUSICGEN_VOLUME/huggingface
    "HF_TOKEN": "",
    "MUSICGEN_PYTHON_ENV": "",
    "MUSICGEN_WHEELS_DIR": "",
    "MUSICGEN_TRITONSERVER": "",
    "MUSICGEN_TORCH_INDEX_URL": "",
    "MUSICGEN_START_TIMEOUT_S": "900",
    "MUSICGEN_STOP_TIMEOUT_S": "60",
    "MUSICGEN_DISK_RESERVE_GB": "2",
    "MUSICGEN_LISTEN_ADDRESS": "127.0.0.1",
}
# MUSICGEN_LISTEN_ADDRESS too: opening Triton beyond 127.0.0.1 is the container platform's decision, never
# a line the deploy tool copies from a laptop's .env into a pod's settings file.
PROCESS_ONLY = ("MUSICGEN_VOLUME", "MUSICGEN_POD_ENV_FILE", "MUSICGEN_LISTEN_ADDRESS")
SECRETS = ("HF_TOKEN",)


@dataclass(frozen=True)
class Settings:
    """Validated settings. ``model_id`` is a hub id (aliases resolved) or an absolute directory."""

    volume: str
    env_file: str
    model_id: str
    model_is_local: bool
    instance_kind: str  # gpu | cpu
    max_concurrent: str  # "auto" or a whole number >= 1, as written into config.pbtxt
    http_port: int
    grpc_port: int
    metrics_port: int
    hf_home: str
    hf_token: Optional[str]
    python_env: Optional[str]
    wheels_dir: Optional[str]
    tritonserver: Optional[str]
    torch_index_url: Optional[str]
    start_timeout_s: float
    stop_timeout_s: float
    disk_reserve_gb: float
    listen_address: str = "127.0.0.1"

    def __repr__(self) -> str:  # never show the token
        return (
            f"Settings(model_id={self.model_id!r}, volume={self.volume!r}, hf_token={'set' if self.hf_token else None})"
        )

    @property
    def pod_dir(self) -> str:
        """Everything the runtime writes lives here (venv, generated repository, pid and log files)."""
        return os.path.join(self.volume, "musicgen")


@dataclass(frozen=True)
class EnvFile:
    path: str
    values: Dict[str, str]
    exists: bool
    warnings: Tuple[str, ...]


def default_env_file(environ: Mapping[str, str]) -> str:
    volume = environ.get("MUSICGEN_VOLUME") or SETTINGS["MUSICGEN_VOLUME"]
    return environ.get("MUSICGEN_POD_ENV_FILE") or os.path.join(volume, "musicgen", "pod.env")


def parse_env_text(text: str, path: str) -> Dict[str, str]:
    """Parses KEY=VALUE lines: ``#`` comments, blank lines, an optional ``export``, optional matching quotes.

    A malformed line is reported by its number only: it may hold a secret.
    """
    values: Dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not ENV_KEY.match(key):
            raise PodError(
                ExitCode.USAGE,
                f"Cannot read the settings file {path} as line {number} is not KEY=VALUE "
                "(the line is not shown: it may hold a secret)",
            )
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def read_env_file(path: str) -> EnvFile:
    """Reads the settings file; a missing file is empty. Warns when group or others may read it."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return EnvFile(path, {}, False, ())
    except OSError as e:
        raise PodError(ExitCode.USAGE, f"Cannot read the settings file {path} as {e.strerror}") from None
    warnings: List[str] = []
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        warnings.append(
            f"the settings file {path} may be read by other users (mode {stat.S_IMODE(st.st_mode):o}): "
            f"it can hold secrets, run `chmod 600 {path}`"
        )
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) else "it is not UTF-8 text"
        raise PodError(ExitCode.USAGE, f"Cannot read the settings file {path} as {reason}") from None
    values = parse_env_text(text, path)
    for key in PROCESS_ONLY:
        if key in values:
            warnings.append(f"{key} in {path} is ignored: it must be set in the environment that runs pod.sh")
            del values[key]
    return EnvFile(path, values, True, tuple(warnings))


def merged(environ: Mapping[str, str], env_file: EnvFile) -> Dict[str, str]:
    """Every setting's raw value: the process environment wins over the file, then the default."""
    raw = {}
    for name, default in SETTINGS.items():
        value = environ.get(name, "")
        if value == "" and name not in PROCESS_ONLY:
            value = env_file.values.get(name, "")
        raw[name] = value if value != "" else default
    return raw


def _bad(name: str, rule: str, value: str) -> PodError:
    shown = "(not shown)" if name in SECRETS else repr(value)
    return PodError(ExitCode.USAGE, f"Cannot use {name} as it must be {rule}: current value is {shown}")


def _port(raw: Mapping[str, str], name: str) -> int:
    value = raw[name]
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise _bad(name, "a TCP port number from 1 to 65535", value)
    return int(value)


def _number(raw: Mapping[str, str], name: str, minimum: float) -> float:
    value = raw[name]
    try:
        number = float(value)
    except ValueError:
        raise _bad(name, f"a number >= {minimum:g}", value) from None
    if not number >= minimum:
        raise _bad(name, f"a number >= {minimum:g}", value)
    return number


def _absolute_dir(raw: Mapping[str, str], name: str) -> Optional[str]:
    value = raw[name]
    if value == "":
        return None
    if not os.path.isabs(value):
        raise _bad(name, "an absolute path", value)
    if not os.path.isdir(value):
        raise PodError(ExitCode.USAGE, f"Cannot use {name} as {value} is not a directory")
    return os.path.normpath(value)


def load(environ: Mapping[str, str]) -> Tuple[Settings, EnvFile]:
    """Reads the env file named by the environment, merges, validates every value before any work starts."""
    env_file = read_env_file(default_env_file(environ))
    raw = merged(environ, env_file)

    volume = raw["MUSICGEN_VOLUME"]
    if not os.path.isabs(volume):
        raise _bad("MUSICGEN_VOLUME", "an absolute path", volume)
    volume = os.path.normpath(volume)

    model = MODEL_ALIASES.get(raw["MUSICGEN_MODEL_ID"], raw["MUSICGEN_MODEL_ID"])
    model_is_local = os.path.isabs(model)
    if model_is_local:
        model = os.path.normpath(model)
    elif not HUB_ID.match(model):
        raise _bad(
            "MUSICGEN_MODEL_ID",
            "a Hugging Face model id (owner/name), small, medium, large or an absolute directory",
            raw["MUSICGEN_MODEL_ID"],
        )

    kind = raw["MUSICGEN_INSTANCE_KIND"]
    if kind not in INSTANCE_KINDS:
        raise _bad("MUSICGEN_INSTANCE_KIND", "gpu or cpu", kind)

    slots = raw["MUSICGEN_MAX_CONCURRENT"]
    if slots != "auto" and not (slots.isdigit() and int(slots) >= 1):
        raise _bad("MUSICGEN_MAX_CONCURRENT", "'auto' or a whole number >= 1", slots)
    if slots != "auto":
        slots = str(int(slots))

    ports = {name: _port(raw, name) for name in ("TRITON_HTTP_PORT", "TRITON_GRPC_PORT", "TRITON_METRICS_PORT")}
    seen: Dict[int, str] = {}
    for name, port in ports.items():
        if port in seen:
            raise _bad(name, f"different from {seen[port]}", str(port))
        seen[port] = name

    hf_home = raw["HF_HOME"] or os.path.join(volume, "huggingface")
    if not os.path.isabs(hf_home):
        raise _bad("HF_HOME", "an absolute path", hf_home)

    token = raw["HF_TOKEN"] or None
    if token is not None and (any(c.isspace() for c in token) or not token.isprintable()):
        raise _bad("HF_TOKEN", "a single word without spaces", token)

    listen = raw["MUSICGEN_LISTEN_ADDRESS"]
    if listen not in LISTEN_ADDRESSES:
        rule = "127.0.0.1 (this machine only) or 0.0.0.0 (a container's private network)"
        raise _bad("MUSICGEN_LISTEN_ADDRESS", rule, listen)

    index_url = raw["MUSICGEN_TORCH_INDEX_URL"] or None
    if index_url is not None and not re.match(r"^https?://\S+$", index_url):
        raise _bad("MUSICGEN_TORCH_INDEX_URL", "an http(s) URL", index_url)

    settings = Settings(
        volume=volume,
        env_file=env_file.path,
        model_id=model,
        model_is_local=model_is_local,
        instance_kind=kind,
        max_concurrent=slots,
        http_port=ports["TRITON_HTTP_PORT"],
        grpc_port=ports["TRITON_GRPC_PORT"],
        metrics_port=ports["TRITON_METRICS_PORT"],
        hf_home=os.path.normpath(hf_home),
        hf_token=token,
        python_env=_absolute_dir(raw, "MUSICGEN_PYTHON_ENV"),
        wheels_dir=_absolute_dir(raw, "MUSICGEN_WHEELS_DIR"),
        tritonserver=_absolute_dir(raw, "MUSICGEN_TRITONSERVER"),
        torch_index_url=index_url,
        start_timeout_s=_number(raw, "MUSICGEN_START_TIMEOUT_S", 1),
        stop_timeout_s=_number(raw, "MUSICGEN_STOP_TIMEOUT_S", 1),
        disk_reserve_gb=_number(raw, "MUSICGEN_DISK_RESERVE_GB", 0),
        listen_address=listen,
    )
    return settings, env_file


def server_identity(s: Settings) -> Dict[str, str]:
    """The settings that shape the running server (no secrets); a change to any of them means a restart."""
    return {
        "MUSICGEN_MODEL_ID": s.model_id,
        "MUSICGEN_INSTANCE_KIND": s.instance_kind,
        "MUSICGEN_MAX_CONCURRENT": s.max_concurrent,
        "TRITON_HTTP_PORT": str(s.http_port),
        "TRITON_GRPC_PORT": str(s.grpc_port),
        "TRITON_METRICS_PORT": str(s.metrics_port),
        "HF_HOME": s.hf_home,
        "MUSICGEN_PYTHON_ENV": s.python_env or "",
        "MUSICGEN_TRITONSERVER": s.tritonserver or "",
        "MUSICGEN_LISTEN_ADDRESS": s.listen_address,
    }
