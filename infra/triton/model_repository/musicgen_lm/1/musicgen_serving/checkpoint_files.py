"""SHA-256 of a checkpoint's files (contract v1.3), so a deployment can prove which weights it serves.

``musicgen_lm`` hashes the top-level files of the directory it loaded (a Hugging Face snapshot or a
local directory) once at load and publishes them in its facts as ``files``; the first-deploy proof
compares them with the ones recorded by an earlier deploy. Hashing reads every byte: about 0.5 s for
the tiny test model here, and for musicgen-medium's 8 GB some seconds at load (the weights are in the
page cache by then, since loading read them).
"""

from __future__ import annotations

import hashlib
import os
from typing import Dict

CHUNK_BYTES = 8 * 2**20


def file_sha256(path: str) -> str:
    """Hex SHA-256 of one file, read in 8 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_hashes(directory: str) -> Dict[str, str]:
    """``{name: sha256}`` of the regular files directly in ``directory`` (symlinks followed, as in a Hugging
    Face snapshot; hidden files and sub-directories left out), by name.

    Example::

        file_hashes(ck.source)  # {"config.json": "3f1c...", "model.safetensors": "9a0e...", ...}
    """
    hashes: Dict[str, str] = {}
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if name.startswith(".") or not os.path.isfile(path):
            continue
        hashes[name] = file_sha256(path)
    return hashes
