"""Read-only checks of the machine: GPU, disk, glibc, ports, the backend stub's shared libraries."""

from __future__ import annotations

import errno
import os
import shutil
import socket
import subprocess
from typing import Dict, List, Optional

from .errors import ExitCode, PodError
from .stack import Pins, version_tuple

CPU_HINT = "to serve on CPU instead (slow, for tests) set MUSICGEN_INSTANCE_KIND=cpu"


def gpu(kind: str) -> str:
    """One line describing the GPU(s) nvidia-smi sees; fails when kind is gpu and there is none."""
    if kind == "cpu":
        return "GPU: not used (MUSICGEN_INSTANCE_KIND=cpu)"
    smi = shutil.which("nvidia-smi")
    if smi is None:
        raise PodError(
            ExitCode.NO_GPU,
            "Cannot serve on the GPU as nvidia-smi is not on PATH (no NVIDIA driver in this machine): "
            f"choose a GPU pod, or {CPU_HINT}",
        )
    query = ["--query-gpu=name,memory.total,driver_version", "--format=csv,noheader,nounits"]
    try:
        proc = subprocess.run([smi] + query, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        proc = None
        reason = str(e)
    if proc is None or proc.returncode != 0 or not proc.stdout.strip():
        if proc is not None:
            reason = (proc.stderr.strip() or proc.stdout.strip() or f"exit status {proc.returncode}").splitlines()[0]
        raise PodError(ExitCode.NO_GPU, f"Cannot serve on the GPU as nvidia-smi fails ({reason}): {CPU_HINT}")
    gpus = []
    for line in proc.stdout.strip().splitlines():
        name, memory, driver = (part.strip() for part in (line.split(",") + ["", ""])[:3])
        gpus.append(f"{name} ({memory} MiB, driver {driver})")
    return "GPU: " + "; ".join(gpus)


def glibc(pins: Pins) -> str:
    try:
        found = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError):
        found = ""
    version = found.replace("glibc", "").strip()
    if not version:
        raise PodError(
            ExitCode.GLIBC_TOO_OLD,
            f"Cannot run nvidia-pytriton's tritonserver as this system has no GNU C library (glibc >= {pins.glibc_min} "
            "is needed): use a glibc-based image such as Ubuntu 22.04",
        )
    if version_tuple(version) < version_tuple(pins.glibc_min):
        raise PodError(
            ExitCode.GLIBC_TOO_OLD,
            f"Cannot run nvidia-pytriton's tritonserver as glibc is {version}, older than {pins.glibc_min} "
            "(its wheel is built for manylinux_2_35): use an image based on Ubuntu 22.04 or newer",
        )
    return f"glibc {version} (>= {pins.glibc_min})"


def volume(path: str) -> None:
    if not os.path.isdir(path):
        raise PodError(
            ExitCode.USAGE,
            f"Cannot use MUSICGEN_VOLUME as {path} is not a directory: attach the pod's volume there or set "
            "MUSICGEN_VOLUME to the persistent volume's mount point",
        )
    if not os.access(path, os.W_OK | os.X_OK):
        raise PodError(ExitCode.USAGE, f"Cannot use MUSICGEN_VOLUME as {path} is not writable by this user")


def free_gb(path: str) -> float:
    return shutil.disk_usage(path).free / 1e9


def disk(path: str, needs: Dict[str, float], reserve_gb: float) -> str:
    """Fails when the volume has less free space than the sum of ``needs`` (GB) plus the reserve."""
    free = free_gb(path)
    total = sum(needs.values()) + reserve_gb
    parts = [f"{what} {gb:.1f} GB" for what, gb in needs.items() if gb > 0]
    parts.append(f"MUSICGEN_DISK_RESERVE_GB {reserve_gb:g}")
    if free < total:
        raise PodError(
            ExitCode.NO_DISK,
            f"Cannot set up the pod as {path} has {free:.1f} GB free and {total:.1f} GB are needed "
            f"({', '.join(parts)}): grow the pod's volume or free space on it",
        )
    return f"disk: {free:.1f} GB free on {path}, {total:.1f} GB needed ({', '.join(parts)})"


def port_free(port: int) -> bool:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        return True
    except OSError as e:
        if e.errno in (errno.EADDRINUSE, errno.EACCES):
            return False
        raise
    finally:
        s.close()


def ports(named: Dict[str, int]) -> None:
    for name, port in named.items():
        if not port_free(port):
            raise PodError(
                ExitCode.PORT_TAKEN,
                f"Cannot start Triton as port {port} ({name}) is taken on 127.0.0.1: stop what listens there "
                f"(`ss -ltnp 'sport = :{port}'` shows it) or set {name} to a free port",
            )


def stub_missing_libraries(stub: str, libs: Optional[str]) -> List[str]:
    """Shared libraries the backend stub needs and the loader cannot find (empty when ldd is missing)."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    env = dict(os.environ)
    if libs:
        env["LD_LIBRARY_PATH"] = libs + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    try:
        out = subprocess.run([ldd, stub], capture_output=True, text=True, env=env, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return sorted({line.split("=>")[0].strip() for line in out.splitlines() if "not found" in line})
