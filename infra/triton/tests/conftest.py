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
