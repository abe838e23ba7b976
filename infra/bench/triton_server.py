"""Serves this repository's models through the ``tritonserver`` that ``nvidia-pytriton`` ships.

Standard library only, so that any Python can import it (the CPU tests' venvs, a GPU machine's Python).
Used by ``triton_bench.py`` (the GPU check through a real Triton) and by the real-server tests::

    install = TritonInstall.find()                       # from the nvidia-pytriton this Python has
    make_repository(run_dir, install, execution_env=sys.prefix, kind="KIND_CPU",
                    parameters={"musicgen_lm": {"model_id": checkpoint}, "encodec_decode": {...},
                                "musicgen_info": {}})
    server = Server.start(run_dir, install)               # loopback ports, TMPDIR and log in run_dir
    server.wait_ready(timeout_s=120)
    read_metrics(server.metrics_port)                    # {(name, labels): value} from /metrics
    server.stop()

The Python backend needs its stub for the serving Python's version next to ``libtriton_python.so``
and the wheel's bundled libraries on ``LD_LIBRARY_PATH``; ``EXECUTION_ENV_PATH`` points the stub at a
Python environment (a directory with ``bin/activate``: a venv) that holds torch and transformers.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_REPOSITORY = os.path.join(HERE, "..", "triton", "model_repository")
MODELS = ("musicgen_lm", "encodec_decode", "musicgen_info")
STUB = "triton_python_backend_stub"


@dataclass(frozen=True)
class TritonInstall:
    """Where an installed ``nvidia-pytriton`` keeps the server (``root``) and its libraries (``libs``)."""

    root: str  # site-packages/pytriton/tritonserver: bin/, backends/python/, python_backend_stubs/
    libs: str  # site-packages/nvidia_pytriton.libs

    @classmethod
    def in_site_packages(cls, site_packages: str) -> TritonInstall:
        root = os.path.join(site_packages, "pytriton", "tritonserver")
        install = cls(root, os.path.join(site_packages, "nvidia_pytriton.libs"))
        if not os.path.isfile(install.binary):
            raise FileNotFoundError(
                f"Cannot serve through Triton as nvidia-pytriton is not installed in {site_packages}: "
                f"{install.binary} is missing (pip install nvidia-pytriton)"
            )
        return install

    @classmethod
    def find(cls) -> TritonInstall:
        """The nvidia-pytriton this Python imports (found without importing it)."""
        spec = importlib.util.find_spec("pytriton")
        if spec is None or not spec.submodule_search_locations:
            raise FileNotFoundError(
                "Cannot serve through Triton as this Python has no nvidia-pytriton: "
                "pip install nvidia-pytriton (or install it from a wheel folder, see infra/bench/README.md)"
            )
        return cls.in_site_packages(os.path.dirname(list(spec.submodule_search_locations)[0]))

    @property
    def binary(self) -> str:
        return os.path.join(self.root, "bin", "tritonserver")


def python_of(execution_env: str) -> Tuple[str, str]:
    """(``X.Y``, library directory) of the Python in ``execution_env`` (asked by running it)."""
    python = os.path.join(execution_env, "bin", "python3")
    code = "import sys, sysconfig; print('%d.%d' % sys.version_info[:2]); print(sysconfig.get_config_var('LIBDIR'))"
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True, timeout=60).stdout
    version, libdir = out.splitlines()[:2]
    return version, libdir


def edit_config(text: str, model: str, kind: Optional[str], parameters: Mapping[str, str], env: str) -> str:
    """``config.pbtxt`` with the instance kind set, the named parameters replaced and EXECUTION_ENV_PATH added."""
    if kind is not None:
        text, n = re.subn(r"kind: KIND_[A-Z]+", f"kind: {kind}", text)
        if n == 0:
            raise ValueError(f"Cannot set the instance kind of {model} as its config.pbtxt has no instance_group kind")
    for key, value in parameters.items():
        pattern = r'(parameters \{ key: "' + re.escape(key) + r'" value: \{ string_value: )"[^"]*"'
        text, n = re.subn(pattern, lambda m, v=value: f'{m.group(1)}"{v}"', text)
        if n != 1:
            raise ValueError(f"Cannot set parameter {key!r} of {model} as its config.pbtxt does not declare it")
    return text + f'parameters {{ key: "EXECUTION_ENV_PATH" value: {{ string_value: "{env}" }} }}\n'


def make_repository(
    run_dir: str,
    install: TritonInstall,
    execution_env: str,
    parameters: Mapping[str, Mapping[str, str]],
    kind: Optional[str] = None,
    python_version: Optional[str] = None,
) -> None:
    """Writes ``run_dir/models`` (the models named in ``parameters``, with those parameter values) and
    ``run_dir/backends/python`` (the Python backend with the stub for ``execution_env``'s Python)."""
    version = python_version or python_of(execution_env)[0]
    stub = os.path.join(install.root, "python_backend_stubs", version, STUB)
    if not os.path.isfile(stub):
        raise FileNotFoundError(
            f"Cannot serve through Triton as nvidia-pytriton has no Python backend stub for Python {version}: "
            f"{stub} is missing"
        )
    backend = os.path.join(run_dir, "backends", "python")
    os.makedirs(backend)
    for name in ("libtriton_python.so", "triton_python_backend_utils.py"):
        shutil.copy(os.path.join(install.root, "backends", "python", name), backend)
    shutil.copy(stub, backend)
    for name, values in parameters.items():
        src = os.path.join(MODEL_REPOSITORY, name)
        dst = os.path.join(run_dir, "models", name)
        shutil.copytree(os.path.join(src, "1"), os.path.join(dst, "1"), ignore=shutil.ignore_patterns("__pycache__"))
        with open(os.path.join(src, "config.pbtxt")) as f:
            text = edit_config(f.read(), name, None if name == "musicgen_info" else kind, values, execution_env)
        with open(os.path.join(dst, "config.pbtxt"), "w") as f:
            f.write(text)


def free_ports(n: int) -> List[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


class Server:
    """A tritonserver process on loopback ports serving ``run_dir/models``; log in ``run_dir/server.log``."""

    def __init__(self, proc: subprocess.Popen, run_dir: str, ports: Tuple[int, int, int], log_path: str) -> None:
        self.proc, self.run_dir, self.log_path = proc, run_dir, log_path
        self.http_port, self.grpc_port, self.metrics_port = ports

    @property
    def grpc_url(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @classmethod
    def start(
        cls, run_dir: str, install: TritonInstall, extra_libs: Optional[str] = None, log_path: Optional[str] = None
    ) -> Server:
        """Starts the server (models from ``run_dir/models``; TMPDIR ``run_dir/tmp``, where the models'
        facts files go; log to ``log_path``, default ``run_dir/server.log``); ``extra_libs`` goes on
        ``LD_LIBRARY_PATH`` after the wheel's libraries. The server stays in this process's group, so
        whatever ends this process's group ends the server too."""
        ports = tuple(free_ports(3))
        tmp = os.path.join(run_dir, "tmp")
        os.makedirs(tmp, exist_ok=True)
        libs = [install.libs] + ([extra_libs] if extra_libs else [])
        if os.environ.get("LD_LIBRARY_PATH"):
            libs.append(os.environ["LD_LIBRARY_PATH"])
        env = dict(os.environ, LD_LIBRARY_PATH=":".join(libs), TMPDIR=tmp)
        http, grpc, metrics = ports
        cmd = [
            install.binary,
            f"--model-repository={os.path.join(run_dir, 'models')}",
            f"--backend-directory={os.path.join(run_dir, 'backends')}",
            f"--http-port={http}",
            f"--grpc-port={grpc}",
            f"--metrics-port={metrics}",
            "--http-address=127.0.0.1",
            "--grpc-address=127.0.0.1",
            "--metrics-address=127.0.0.1",
        ]
        log_path = log_path or os.path.join(run_dir, "server.log")
        with open(log_path, "w") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        return cls(proc, run_dir, ports, log_path)

    def log_tail(self, chars: int = 4000) -> str:
        with open(self.log_path, errors="replace") as f:
            return f.read()[-chars:]

    def wait_ready(self, timeout_s: float) -> float:
        """Seconds until every model is ready; raises RuntimeError (with the log's tail) otherwise."""
        start = time.monotonic()
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"tritonserver exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                url = f"http://127.0.0.1:{self.http_port}/v2/health/ready"
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        return time.monotonic() - start
            except OSError:
                pass
            if time.monotonic() - start > timeout_s:
                raise RuntimeError(f"tritonserver not ready after {timeout_s:.0f} s:\n{self.log_tail()}")
            time.sleep(0.5)

    def stop(self, timeout_s: float = 60) -> None:
        """SIGTERM (the server unloads the models, which end their stubs), then SIGKILL if it has not
        exited in time."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)


SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text: str) -> Dict[Tuple[str, Tuple[Tuple[str, str], ...]], float]:
    """Prometheus text format to ``{(name, sorted label pairs): value}`` (comments skipped)."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if m is None:
            raise ValueError(f"Cannot parse the metrics as a line is not a sample: current value is {line!r}")
        labels = tuple(sorted(LABEL.findall(m.group(2) or "")))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def read_metrics(port: int, timeout_s: float = 10) -> Dict[Tuple[str, Tuple[Tuple[str, str], ...]], float]:
    """The samples of ``http://127.0.0.1:{port}/metrics`` (see :func:`parse_metrics`)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=timeout_s) as r:
        return parse_metrics(r.read().decode("utf-8"))
