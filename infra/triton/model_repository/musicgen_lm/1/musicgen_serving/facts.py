"""Facts known only after load, shared between model instances through small files (contract v1.1 to v1.3).

Triton 2.51 cannot add config parameters from a Python model and has no response parameters, so
after ``initialize`` each instance of ``musicgen_lm`` and ``encodec_decode`` writes what it really
serves (checkpoint, device, dtypes, resolved limits) to
``{tempfile.gettempdir()}/musicgen-facts/{server_pid}/{model_name}.{instance_name}.json``
(temporary file + rename, so a reader never sees half a file) and removes it in ``finalize``.
``musicgen_info`` answers each request with :func:`collect_facts` over the files of its own server.

``server_pid`` is the stub's parent process, the tritonserver. Each file also records the server's
start time (``/proc/<pid>/stat``), so files left by a crashed server whose pid was later reused are
ignored.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Dict, List, Mapping, Optional

CONTRACT_VERSION = "1.3"
FACTS_DIR_NAME = "musicgen-facts"
SUMMED_FACTS = ("max_concurrent_requests",)  # summed over instances; "device" lists the distinct values


def server_pid() -> int:
    """The tritonserver's pid as seen from a Python-backend stub (its parent process)."""
    return os.getppid()


def facts_dir(pid: Optional[int] = None) -> str:
    return os.path.join(tempfile.gettempdir(), FACTS_DIR_NAME, str(server_pid() if pid is None else pid))


def process_start(pid: int) -> Optional[str]:
    """The start time of process ``pid`` in clock ticks since boot (None where /proc is not readable)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            stat = f.read()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2 :].split()[19]  # field 22 of stat(5), after "pid (comm) "


def write_facts(model_name: str, instance_name: str, facts: Mapping[str, object], pid: Optional[int] = None) -> str:
    """Writes one instance's facts atomically and returns the file's path (for :func:`remove_facts`).

    Example::

        path = write_facts("encodec_decode", "encodec_decode_0", {"device": "cuda:0", "max_frames": 1500})
    """
    pid = server_pid() if pid is None else pid
    directory = facts_dir(pid)
    name = f"{model_name}.{instance_name}".replace(os.sep, "_")
    document = {"model": model_name, "instance": instance_name, "server_start": process_start(pid), "facts": facts}
    try:
        return _write_atomically(directory, name, json.dumps(document))
    except OSError as exc:
        raise RuntimeError(
            f"Cannot publish {model_name}'s facts as {directory!r} is not writable (point TMPDIR at a writable "
            f"directory): {exc}"
        ) from exc


def _write_atomically(directory: str, name: str, text: str) -> str:
    path = os.path.join(directory, name + ".json")
    for attempt in (1, 2):
        os.makedirs(directory, exist_ok=True)
        try:
            fd, tmp = tempfile.mkstemp(prefix="." + name, suffix=".tmp", dir=directory)
            break
        except FileNotFoundError:  # another instance's finalize removed the empty directory meanwhile
            if attempt == 2:
                raise
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return path


def remove_facts(path: Optional[str]) -> None:
    """Removes a file written by :func:`write_facts` (and its directory once empty); never raises."""
    if not path:
        return
    try:
        os.unlink(path)
        os.rmdir(os.path.dirname(path))
    except OSError:
        pass


def collect_facts(pid: Optional[int] = None) -> Dict[str, object]:
    """The facts document of one server: ``{"contract": "1.3", "models": {name: merged facts}}``.

    A model with no file (not loaded yet, or failed) is absent from ``models``.
    """
    pid = server_pid() if pid is None else pid
    directory = facts_dir(pid)
    start = process_start(pid)
    by_model: Dict[str, List[tuple]] = {}
    try:
        names = sorted(os.listdir(directory))
    except FileNotFoundError:
        names = []
    for name in names:
        if not name.endswith(".json"):
            continue
        try:
            with open(os.path.join(directory, name), encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError):  # removed meanwhile
            continue
        if not isinstance(doc, dict) or doc.get("server_start") != start:
            continue
        by_model.setdefault(str(doc["model"]), []).append((str(doc["instance"]), doc["facts"]))
    models = {model: merge_instances([f for _, f in sorted(entries)]) for model, entries in sorted(by_model.items())}
    return {"contract": CONTRACT_VERSION, "models": models}


def merge_instances(instances: List[Mapping[str, object]]) -> Dict[str, object]:
    """One model's facts from those of its instances (in instance-name order).

    ``instances`` counts them, :data:`SUMMED_FACTS` are added up, ``device`` joins the distinct
    devices with commas ("cuda:0,cuda:1"); every other fact is the first instance's (they share one
    configuration).
    """
    merged: Dict[str, object] = {"instances": len(instances)}
    for key, value in instances[0].items():
        if key in SUMMED_FACTS:
            merged[key] = sum(int(f.get(key, 0)) for f in instances)  # type: ignore[arg-type]
        elif key == "device":
            merged[key] = ",".join(dict.fromkeys(str(f.get(key)) for f in instances))
        else:
            merged[key] = value
    return merged


def lm_facts(
    checkpoint,
    device: str,
    dtypes: Mapping[str, str],
    files: Optional[Mapping[str, str]] = None,
    text_encoder_check: Optional[Mapping[str, object]] = None,
    **limits: int,
) -> Dict[str, object]:
    """The facts of one ``musicgen_lm`` instance; ``limits`` are max_concurrent_requests, max_queue_size,
    max_text_tokens and max_total_frames as allocated, and liveness_interval_ms (contract v1.2);
    ``files`` the SHA-256 of the checkpoint's files and ``text_encoder_check`` the T5 self-test at load
    (contract v1.3, each left out when None)."""
    extra: Dict[str, object] = {}
    if files is not None:
        extra["files"] = dict(files)
    if text_encoder_check is not None:
        extra["text_encoder_check"] = dict(text_encoder_check)
    return {**_checkpoint_facts(checkpoint), "device": device, "dtypes": dict(dtypes), **limits, **extra}


def decode_facts(checkpoint, device: str, dtype: str, max_frames: int, max_batch_size: int) -> Dict[str, object]:
    """The facts of one ``encodec_decode`` instance."""
    return {
        **_checkpoint_facts(checkpoint),
        "device": device,
        "dtypes": {"encodec": dtype},
        "max_frames": max_frames,
        "max_batch_size": max_batch_size,
    }


def _checkpoint_facts(checkpoint) -> Dict[str, object]:
    return {
        "model_id": checkpoint.model_id,
        "source": checkpoint.source,
        "revision": checkpoint.revision,
        "weights": checkpoint.weights,
    }
