import os
import sys

import pytest

# Without a GPU, Triton kernels run in Triton's interpreter on CPU tensors (read when a kernel module is
# imported, so before any test imports one). A GPU run (infra/bench/run_gpu.sh) compiles them for real.
if not os.path.exists("/dev/nvidiactl"):
    os.environ.setdefault("TRITON_INTERPRET", "1")

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.join(HERE, "..", "model_repository", "musicgen_lm", "1")
sys.path.insert(0, os.path.abspath(MODEL_DIR))
sys.path.insert(0, HERE)


@pytest.fixture(scope="session")
def tiny():
    """(model, tokenizer) of a tiny random MusicGen, built once per session."""
    import transformers

    from musicgen_serving import random_model

    transformers.logging.set_verbosity_error()
    return random_model.build_model("tiny", seed=0), random_model.build_tokenizer()


@pytest.fixture(scope="session")
def tiny_dir(tiny, tmp_path_factory):
    """The tiny model saved with save_pretrained, as a model id loadable offline."""
    path = tmp_path_factory.mktemp("musicgen-tiny")
    model, tokenizer = tiny
    model.save_pretrained(str(path))
    tokenizer.save_pretrained(str(path))
    return str(path)


@pytest.fixture(scope="session")
def tiny32k_dir(tmp_path_factory):
    """The tiny LM with the released 32 kHz EnCodec shape, saved like a checkpoint (random weights)."""
    import transformers

    from musicgen_serving.random_model import save_random_model

    transformers.logging.set_verbosity_error()
    path = tmp_path_factory.mktemp("musicgen-tiny-32k")
    save_random_model("tiny-32k", str(path))
    return str(path)


@pytest.fixture(scope="session")
def reference_codec(tiny32k_dir):
    """transformers' own EncodecModel of the saved tiny-32k checkpoint (loaded the usual way, whole)."""
    from transformers import MusicgenForConditionalGeneration

    return MusicgenForConditionalGeneration.from_pretrained(tiny32k_dir).audio_encoder.eval()


@pytest.fixture
def facts_root(tmp_path, monkeypatch):
    """Points tempfile.gettempdir() (where facts files go) at a fresh directory."""
    import tempfile

    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


@pytest.fixture(scope="session")
def slim_onnx(tmp_path_factory):
    """(checkpoint dir, .onnx path, the export's JSON summary): a tiny-32k-slim random checkpoint whose
    codebooks are random too (transformers starts them at zero, so every code would decode to the same
    audio), and its EnCodec decoder exported by ``python -m musicgen_serving.codec_onnx`` (run in-process)."""
    import contextlib
    import io
    import json

    import torch
    import transformers

    from musicgen_serving import random_model
    from musicgen_serving.codec_onnx import main

    transformers.logging.set_verbosity_error()
    root = tmp_path_factory.mktemp("codec-onnx")
    checkpoint, onnx_path = str(root / "tiny-32k-slim"), str(root / "encodec_decoder.onnx")
    model = random_model.build_model("tiny-32k-slim", seed=0)
    with torch.no_grad():
        for layer in model.audio_encoder.quantizer.layers:
            layer.codebook.embed.normal_()
    model.save_pretrained(checkpoint)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([checkpoint, onnx_path]) == 0
    return checkpoint, onnx_path, json.loads(out.getvalue())
