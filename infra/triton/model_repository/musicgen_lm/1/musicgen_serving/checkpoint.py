"""Where a MusicGen checkpoint really comes from, and reading parts of its weights.

Both ``musicgen_lm`` and ``encodec_decode`` load the same transformers checkpoint (a Hugging Face hub
id, cached under ``HF_HOME``, or a local directory). :func:`locate` resolves it once to a local
directory and, for the hub, the snapshot's commit hash, so that what a server reports is what it
loaded. :func:`load_tensors` reads only the tensors under given prefixes (``encodec_decode`` reads
``audio_encoder.*`` and never materialises the language model).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Dict, Optional, Sequence

# config.json attribute set by random_model: the weights are random (tests, benchmarks), not MusicGen's
RANDOM_WEIGHTS_KEY = "musicgen_random_weights"

# weight files in the order transformers prefers them
_WEIGHT_FILES = (
    ("model.safetensors", None),
    (None, "model.safetensors.index.json"),
    ("pytorch_model.bin", None),
    (None, "pytorch_model.bin.index.json"),
)


@dataclass(frozen=True)
class Checkpoint:
    """A located checkpoint.

    ``model_id`` is the hub id asked for (aliases expanded) or the local directory; ``source`` the local
    directory holding its config.json (a Hugging Face snapshot directory for the hub); ``revision`` the
    snapshot's commit hash, None for a local directory.
    """

    model_id: str
    source: str
    revision: Optional[str]
    from_hub: bool = False  # False: model_id is a local directory
    local_files_only: bool = False
    config: Dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    @property
    def weights(self) -> str:
        """``"random"`` for a checkpoint made by random_model, else ``"pretrained"``."""
        return "random" if self.config.get(RANDOM_WEIGHTS_KEY) is True else "pretrained"


def locate(model_id: str, local_files_only: bool = False, model_name: str = "the model") -> Checkpoint:
    """Resolves ``model_id`` to a :class:`Checkpoint` (downloads config.json from the hub if needed).

    Example::

        ck = locate("facebook/musicgen-medium", local_files_only=True, model_name="encodec_decode")
        ck.source    # ".../hub/models--facebook--musicgen-medium/snapshots/<commit>"
        ck.revision  # "<commit>"
    """
    from_hub = not os.path.isdir(model_id)
    if not from_hub:
        source, revision = os.path.abspath(model_id), None
        path = os.path.join(source, "config.json")
        if not os.path.isfile(path):
            raise ValueError(
                f"Cannot load {model_name} as the checkpoint directory has no config.json: current value is {source!r}"
            )
    else:
        try:
            path = _hub_file(model_id, "config.json", None, local_files_only)
        except Exception as exc:  # not found, offline, no such repository
            where = "in the Hugging Face cache (hf_local_files_only is true)" if local_files_only else "on the hub"
            raise ValueError(
                f"Cannot load {model_name} as checkpoint {model_id!r} has no config.json {where}: {exc}"
            ) from exc
        source = os.path.dirname(os.path.abspath(path))
        revision = _snapshot_revision(source)
    with open(path, encoding="utf-8") as f:
        config = json.load(f)
    return Checkpoint(model_id, source, revision, from_hub, local_files_only, config)


def checkpoint_file(ck: Checkpoint, filename: str) -> Optional[str]:
    """Local path of one file of the checkpoint (downloaded into the cache if needed), None if absent."""
    if not ck.from_hub:
        path = os.path.join(ck.source, filename)
        return path if os.path.isfile(path) else None
    from huggingface_hub.utils import EntryNotFoundError

    try:
        return _hub_file(ck.model_id, filename, ck.revision, ck.local_files_only)
    except EntryNotFoundError:  # also LocalEntryNotFoundError: not in the cache
        return None


def load_tensors(ck: Checkpoint, prefixes: Sequence[str], model_name: str = "the model") -> Dict[str, object]:
    """The checkpoint's tensors whose names start with one of ``prefixes``, on the CPU.

    Safetensors files are read tensor by tensor, and of a sharded checkpoint only the shards that hold
    such tensors are fetched; a PyTorch ``.bin`` file (older checkpoints) is loaded whole on the CPU
    and filtered.
    """
    wanted = tuple(prefixes)
    for single, index in _WEIGHT_FILES:
        if single is not None:
            path = checkpoint_file(ck, single)
            if path is not None:
                return _read(path, wanted)
            continue
        path = checkpoint_file(ck, index)
        if path is None:
            continue
        with open(path, encoding="utf-8") as f:
            weight_map = json.load(f)["weight_map"]
        out: Dict[str, object] = {}
        for shard in sorted({file for name, file in weight_map.items() if name.startswith(wanted)}):
            shard_path = checkpoint_file(ck, shard)
            if shard_path is None:
                raise ValueError(f"Cannot load {model_name} as weight file {shard!r} is missing: current value is None")
            out.update(_read(shard_path, wanted))
        return out
    raise ValueError(
        f"Cannot load {model_name} as checkpoint {ck.model_id!r} has no weights (model.safetensors, "
        f"pytorch_model.bin or their sharded index): current value is {ck.source!r}"
    )


def _read(path: str, prefixes: tuple) -> Dict[str, object]:
    if path.endswith(".safetensors"):
        from safetensors import safe_open

        with safe_open(path, framework="pt", device="cpu") as f:
            return {name: f.get_tensor(name) for name in f.keys() if name.startswith(prefixes)}
    import torch

    state = torch.load(path, map_location="cpu", weights_only=True)
    return {name: tensor for name, tensor in state.items() if name.startswith(prefixes)}


def _hub_file(repo_id: str, filename: str, revision: Optional[str], local_files_only: bool) -> str:
    from huggingface_hub import hf_hub_download

    return hf_hub_download(repo_id, filename, revision=revision, local_files_only=local_files_only)


def _snapshot_revision(directory: str) -> Optional[str]:
    """The commit hash of a Hugging Face cache snapshot directory (``.../snapshots/<commit>``)."""
    parent = os.path.dirname(directory)
    return os.path.basename(directory) if os.path.basename(parent) == "snapshots" else None
