"""Run by a candidate Python (the image's, the venv's, a prebuilt env's): prints one JSON object
describing what it has. Standard library only at import time; every package import is optional."""

import json
import os
import sys


def version_of(name):
    try:
        module = __import__(name)
    except Exception as e:  # noqa: BLE001 - any import failure means "not usable"
        return None, f"{type(e).__name__}: {e}".splitlines()[0][:300]
    return getattr(module, "__version__", "unknown"), None


def main():
    out = {
        "python": "%d.%d.%d" % sys.version_info[:3],
        "prefix": sys.prefix,
        "executable": sys.executable,
    }
    for name in ("torch", "transformers", "huggingface_hub", "numpy"):
        out[name], error = version_of(name)
        if error:
            out[name + "_error"] = error
    out["cuda_devices"] = 0
    if out["torch"]:
        import torch

        out["torch_cuda"] = torch.version.cuda
        try:
            out["cuda_devices"] = torch.cuda.device_count() if torch.cuda.is_available() else 0
        except Exception:  # noqa: BLE001
            out["cuda_devices"] = 0
    try:
        import importlib.util

        spec = importlib.util.find_spec("pytriton")
        out["pytriton_dir"] = os.path.dirname(spec.origin) if spec and spec.origin else None
    except Exception:  # noqa: BLE001
        out["pytriton_dir"] = None
    print(json.dumps(out))


if __name__ == "__main__":
    main()
