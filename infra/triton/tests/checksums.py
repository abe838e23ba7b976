"""SHA-256 of a checkpoint directory's files, computed here on their own, to compare with what a model publishes."""

import hashlib
import os


def sha256_of_files(directory):
    """``{name: sha256}`` of each regular top-level file of ``directory`` that is not hidden."""
    out = {}
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if os.path.isfile(path) and not name.startswith("."):
            with open(path, "rb") as f:
                out[name] = hashlib.sha256(f.read()).hexdigest()
    return out
