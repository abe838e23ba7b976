"""Downloads a model's serving files into the Hugging Face cache (HF_HOME), or finds them there offline.

Run by the serving environment's Python (it needs huggingface_hub): ``python hf_fetch.py OWNER/NAME``.
The token comes from the HF_TOKEN environment variable only. Prints one JSON line on success:
``{"snapshot": DIR, "revision": SHA, "files": [...], "offline": bool, "bytes": N}``.
Exit status 3: the hub is unreachable and the files are not cached; 4: no such model or no access.
"""

import json
import os
import re
import sys

NETWORK, ACCESS = 3, 4
WEIGHT_SUFFIXES = (".safetensors", ".bin")


def serving_files(names):
    """Top-level config, tokenizer and weight files; safetensors weights when the repository has them."""
    top = [n for n in names if "/" not in n]
    has_safetensors = any(n.endswith(".safetensors") for n in top)
    keep = []
    for name in top:
        if name.endswith((".json", ".model", ".txt")) and not name.startswith("README"):
            keep.append(name)
        elif name.endswith(".safetensors") or (name.endswith(".bin") and not has_safetensors):
            keep.append(name)
    return sorted(keep)


def usable(snapshot, files):
    names = set(files)
    return (
        "config.json" in names
        and any(n.endswith(WEIGHT_SUFFIXES) for n in names)
        and all(os.path.isfile(os.path.join(snapshot, n)) for n in files)
    )


def cached(model_id, reason):
    from huggingface_hub import snapshot_download

    try:
        snapshot = snapshot_download(model_id, local_files_only=True)
    except Exception:  # noqa: BLE001 - not in the cache, whatever the exception type
        snapshot = None
    files = sorted(os.listdir(snapshot)) if snapshot and os.path.isdir(snapshot) else []
    if not snapshot or not usable(snapshot, serving_files(files)):
        print(
            f"Cannot download {model_id} as the Hugging Face hub cannot be reached ({reason}) and it is not "
            f"in the cache at {os.environ.get('HF_HOME', '~/.cache/huggingface')}",
            file=sys.stderr,
        )
        sys.exit(NETWORK)
    files = serving_files(files)
    return {
        "snapshot": snapshot,
        "revision": os.path.basename(snapshot),
        "files": files,
        "offline": True,
        "reason": reason,
        "bytes": sum(os.path.getsize(os.path.join(snapshot, n)) for n in files),
    }


def short(e):
    """A short reason: the operating system's words when there are some ("Connection refused")."""
    text = str(e)
    m = re.search(r"\[Errno -?\d+\] ([^'\"()\]]+)", text)
    if m:
        return m.group(1).strip()
    if type(e).__name__ == "OfflineModeIsEnabled":
        return "HF_HUB_OFFLINE is set"
    return f"{type(e).__name__}: {text}".splitlines()[0][:200]


def fetch(model_id):
    from huggingface_hub import HfApi, snapshot_download
    from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError

    token = os.environ.get("HF_TOKEN") or None
    try:
        info = HfApi().model_info(model_id, token=token, files_metadata=True)
    except GatedRepoError:
        print(
            f"Cannot download {model_id} as it is gated: accept its terms on huggingface.co and set HF_TOKEN",
            file=sys.stderr,
        )
        sys.exit(ACCESS)
    except RepositoryNotFoundError:
        print(
            f"Cannot download {model_id} as the hub has no such model (or it is private and HF_TOKEN has no "
            "access): check MUSICGEN_MODEL_ID",
            file=sys.stderr,
        )
        sys.exit(ACCESS)
    except HfHubHTTPError as e:
        status = getattr(getattr(e, "response", None), "status_code", None)
        if status in (401, 403):
            print(
                f"Cannot download {model_id} as the hub refused access (HTTP {status}): check HF_TOKEN", file=sys.stderr
            )
            sys.exit(ACCESS)
        return cached(model_id, short(e))
    except Exception as e:  # noqa: BLE001 - connection refused, DNS, offline mode, timeouts
        return cached(model_id, short(e))
    sizes = {s.rfilename: (getattr(s, "size", None) or 0) for s in info.siblings or []}
    files = serving_files(sizes)
    total = sum(sizes[n] for n in files)
    print(
        f"downloading {len(files)} files of {model_id} ({total / 1e9:.2f} GB, revision {info.sha[:12]}) "
        f"into {os.environ.get('HF_HOME', '~/.cache/huggingface')}",
        file=sys.stderr,
        flush=True,
    )
    try:
        snapshot = snapshot_download(model_id, revision=info.sha, allow_patterns=files, token=token)
    except Exception as e:  # noqa: BLE001
        print(f"Cannot finish downloading {model_id} as {short(e)}: run `pod.sh up` again to resume", file=sys.stderr)
        sys.exit(NETWORK)
    if not usable(snapshot, files):
        print(f"Cannot use {model_id} as its snapshot {snapshot} lacks config.json or weights", file=sys.stderr)
        sys.exit(ACCESS)
    return {"snapshot": snapshot, "revision": info.sha, "files": files, "offline": False, "bytes": total}


if __name__ == "__main__":
    print(json.dumps(fetch(sys.argv[1])))
