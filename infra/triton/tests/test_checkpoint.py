"""Locating a checkpoint (local directory or Hugging Face cache) and reading parts of its weights."""

import json
import os

import pytest
import torch
from safetensors.torch import save_file

from musicgen_serving.checkpoint import Checkpoint, load_tensors, locate

COMMIT = "0123456789abcdef0123456789abcdef01234567"
LM = {"decoder.w": torch.arange(6.0).reshape(2, 3)}
CODEC = {"audio_encoder.decoder.b": torch.ones(4), "audio_encoder.quantizer.e": torch.zeros(2, 2)}


def write_dir(path, config, files):
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(config, f)
    for name, content in files.items():
        if name.endswith(".json"):
            with open(os.path.join(path, name), "w") as f:
                json.dump(content, f)
        elif name.endswith(".bin"):
            torch.save(content, os.path.join(path, name))
        else:
            save_file(content, os.path.join(path, name))


@pytest.fixture
def hub_cache(tmp_path, monkeypatch):
    """A Hugging Face cache holding org/musicgen-test at COMMIT: sharded, with only the codec's shard cached."""
    import huggingface_hub.constants

    cache = tmp_path / "hub"
    repo = cache / "models--org--musicgen-test"
    index = {"weight_map": {"decoder.w": "model-00001-of-00002.safetensors"}}
    index["weight_map"].update({k: "model-00002-of-00002.safetensors" for k in CODEC})
    write_dir(
        str(repo / "snapshots" / COMMIT),
        {"model_type": "musicgen"},
        {"model.safetensors.index.json": index, "model-00002-of-00002.safetensors": CODEC},
    )
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(COMMIT)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))
    return repo


def test_a_local_directory(tmp_path):
    write_dir(str(tmp_path / "ck"), {"musicgen_random_weights": True}, {"model.safetensors": {**LM, **CODEC}})
    ck = locate(str(tmp_path / "ck"))
    assert ck == Checkpoint(str(tmp_path / "ck"), str(tmp_path / "ck"), None, from_hub=False)
    assert (ck.weights, ck.config) == ("random", {"musicgen_random_weights": True})
    got = load_tensors(ck, ["audio_encoder."])
    assert sorted(got) == sorted(CODEC) and all(torch.equal(got[k], CODEC[k]) for k in CODEC)


def test_the_hub_cache_reads_only_the_shards_it_needs(hub_cache):
    ck = locate("org/musicgen-test", local_files_only=True)
    snapshot = str(hub_cache / "snapshots" / COMMIT)
    assert ck == Checkpoint("org/musicgen-test", snapshot, COMMIT, from_hub=True, local_files_only=True)
    assert ck.weights == "pretrained"
    got = load_tensors(ck, ["audio_encoder.decoder.", "audio_encoder.quantizer."])  # shard 1 is not even cached
    assert sorted(got) == sorted(CODEC) and all(torch.equal(got[k], CODEC[k]) for k in CODEC)
    with pytest.raises(ValueError) as err:
        load_tensors(ck, ["decoder."], "musicgen_lm")
    assert str(err.value) == (
        "Cannot load musicgen_lm as weight file 'model-00001-of-00002.safetensors' is missing: current value is None"
    )


def test_a_pytorch_bin_checkpoint(tmp_path):
    write_dir(str(tmp_path), {}, {"pytorch_model.bin": {**LM, **CODEC}})
    got = load_tensors(locate(str(tmp_path)), ["audio_encoder."])
    assert sorted(got) == sorted(CODEC)


def test_errors(tmp_path, hub_cache):
    with pytest.raises(ValueError) as err:
        locate(str(tmp_path), model_name="encodec_decode")
    assert str(err.value) == (
        f"Cannot load encodec_decode as the checkpoint directory has no config.json: current value is '{tmp_path}'"
    )
    write_dir(str(tmp_path / "empty"), {}, {})
    with pytest.raises(ValueError) as err:
        load_tensors(locate(str(tmp_path / "empty")), ["audio_encoder."], "encodec_decode")
    assert str(err.value) == (
        f"Cannot load encodec_decode as checkpoint '{tmp_path / 'empty'}' has no weights (model.safetensors, "
        f"pytorch_model.bin or their sharded index): current value is '{tmp_path / 'empty'}'"
    )
    with pytest.raises(ValueError) as err:
        locate("org/not-cached", local_files_only=True, model_name="encodec_decode")
    prefix = (
        "Cannot load encodec_decode as checkpoint 'org/not-cached' has no config.json in the Hugging Face cache "
        "(hf_local_files_only is true): "
    )
    assert str(err.value).startswith(prefix)  # then huggingface_hub's own explanation


def test_random_model_cli_saves_the_dtype_it_is_asked_for(tmp_path):
    from safetensors import safe_open

    from musicgen_serving.random_model import main

    main(["tiny", str(tmp_path), "--dtype", "float16", "--seed", "3"])
    with safe_open(str(tmp_path / "model.safetensors"), framework="pt") as f:
        dtypes = {f.get_tensor(name).dtype for name in f.keys()}
    assert dtypes == {torch.float16}
    with open(tmp_path / "config.json") as f:
        assert json.load(f)["musicgen_random_weights"] is True
    assert locate(str(tmp_path), True, "musicgen_lm").weights == "random"
