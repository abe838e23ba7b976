"""Prints the Python stack this machine has against the pins in infra/python-stack.env, one line each.

``python report_versions.py infra/python-stack.env``; never fails (a missing package is reported).
"""

import platform
import re
import sys


def pins(path):
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip()
    return values


def version(name):
    try:
        if name == "nvidia-pytriton":
            from importlib.metadata import version as dist_version

            return dist_version("nvidia-pytriton")
        return __import__(name).__version__
    except Exception:  # noqa: BLE001 - absent or broken: reported as such
        return None


def numbers(text):
    return tuple(int(x) for x in re.findall(r"\d+", text.split("+")[0])[:3])


def main(path):
    p = pins(path)
    py = platform.python_version()
    in_py = numbers(p["PYTHON_MIN_VERSION"]) <= numbers(py)[:2] <= numbers(p["PYTHON_MAX_VERSION"])
    print(f"python {py}: {'ok' if in_py else 'outside'} {p['PYTHON_MIN_VERSION']}..{p['PYTHON_MAX_VERSION']}")
    torch = version("torch")
    if torch is None:
        print(f"torch missing (pinned {p['TORCH_VERSION']})")
    else:
        ok = numbers(p["TORCH_MIN_VERSION"]) <= numbers(torch) < numbers(p["TORCH_MAX_VERSION"])
        same = "= pinned" if numbers(torch) == numbers(p["TORCH_VERSION"]) else f"pinned {p['TORCH_VERSION']}"
        verdict = "in" if ok else "OUTSIDE"
        print(f"torch {torch}: {same}, {verdict} {p['TORCH_MIN_VERSION']} <= torch < {p['TORCH_MAX_VERSION']}")
    for name, key in (("transformers", "TRANSFORMERS_VERSION"), ("nvidia-pytriton", "NVIDIA_PYTRITON_VERSION")):
        found = version(name)
        if found is None:
            print(f"{name} missing (pinned {p[key]})")
        else:
            print(f"{name} {found}: {'= pinned' if found == p[key] else 'DIFFERS from pinned'} {p[key]}")
    numpy = version("numpy")
    if numpy is None:
        print(f"numpy missing (pinned {p['NUMPY_VERSION']})")
    else:
        same = "= pinned" if numpy == p["NUMPY_VERSION"] else f"pinned {p['NUMPY_VERSION']}"
        if numbers(numpy) < numbers(p["NUMPY_MAX_VERSION"]):
            print(f"numpy {numpy}: {same}, below {p['NUMPY_MAX_VERSION']}")
        else:
            print(
                f"numpy {numpy}: {same}, NOT below {p['NUMPY_MAX_VERSION']} (Triton's Python backend stub garbles "
                "text tensors with numpy 2: the Triton step will fail)"
            )


if __name__ == "__main__":
    main(sys.argv[1])
