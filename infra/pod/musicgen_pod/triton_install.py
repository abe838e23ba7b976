"""Finds a tritonserver and its Python backend: an nvidia-pytriton install or a plain Triton root."""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass
from typing import List, Optional

from .errors import ExitCode, PodError


@dataclass(frozen=True)
class TritonInstall:
    """Where the server binary, the Python backend and the libraries it needs are."""

    binary: str
    python_backend: str  # folder with libtriton_python.so and triton_python_backend_utils.py
    stubs: Optional[str]  # nvidia-pytriton: python_backend_stubs/<X.Y>/triton_python_backend_stub
    libs: Optional[str]  # nvidia-pytriton: the wheel's bundled libraries (LD_LIBRARY_PATH)
    kind: str  # "pytriton" | "triton-root"

    def stub_versions(self) -> List[str]:
        if self.stubs is None:
            return []
        found = [os.path.basename(os.path.dirname(p)) for p in glob.glob(os.path.join(self.stubs, "*", STUB))]
        return sorted(found, key=lambda v: tuple(int(x) for x in v.split(".") if x.isdigit()))

    def stub_for(self, python_version: str) -> Optional[str]:
        """The backend stub for ``X.Y`` (``None`` when the install has none for it)."""
        major_minor = ".".join(python_version.split(".")[:2])
        if self.stubs is not None:
            path = os.path.join(self.stubs, major_minor, STUB)
            return path if os.path.isfile(path) else None
        path = os.path.join(self.python_backend, STUB)
        if not os.path.isfile(path):
            return None
        linked = stub_python_version(path)
        return path if linked in (None, major_minor) else None


STUB = "triton_python_backend_stub"


def stub_python_version(stub: str) -> Optional[str]:
    """The X.Y of the libpython a stub binary links against (read from its dynamic section's strings)."""
    try:
        with open(stub, "rb") as f:
            data = f.read()
    except OSError:
        return None
    m = re.search(rb"libpython(3\.\d+)", data)
    return m.group(1).decode() if m else None


def from_pytriton_dir(pytriton_dir: str) -> Optional[TritonInstall]:
    """``pytriton_dir`` is the installed ``pytriton`` package folder (site-packages/pytriton)."""
    server = os.path.join(pytriton_dir, "tritonserver")
    binary = os.path.join(server, "bin", "tritonserver")
    if not os.path.isfile(binary):
        return None
    libs = os.path.join(os.path.dirname(pytriton_dir), "nvidia_pytriton.libs")
    return TritonInstall(
        binary=binary,
        python_backend=os.path.join(server, "backends", "python"),
        stubs=os.path.join(server, "python_backend_stubs"),
        libs=libs if os.path.isdir(libs) else None,
        kind="pytriton",
    )


def locate(path: str, setting: str = "MUSICGEN_TRITONSERVER") -> TritonInstall:
    """``path``: a Triton root (bin/tritonserver, backends/python), a Python env prefix or a site-packages
    folder holding nvidia-pytriton, or the ``pytriton`` package folder itself."""
    root_binary = os.path.join(path, "bin", "tritonserver")
    root_backend = os.path.join(path, "backends", "python")
    if os.path.isfile(root_binary) and os.path.isfile(os.path.join(root_backend, "libtriton_python.so")):
        return TritonInstall(root_binary, root_backend, None, None, "triton-root")
    candidates = [path, os.path.join(path, "pytriton")]
    candidates += sorted(glob.glob(os.path.join(path, "lib", "python3*", "site-packages", "pytriton")))
    for candidate in candidates:
        found = from_pytriton_dir(candidate)
        if found is not None:
            return found
    raise PodError(
        ExitCode.NO_TRITONSERVER,
        f"Cannot find tritonserver in {setting}={path}: point it at a Triton install (with bin/tritonserver and "
        "backends/python) or a Python environment where nvidia-pytriton is installed",
    )
