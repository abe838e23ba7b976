"""GPU checks, skipped without CUDA: the captured path against eager and against transformers."""

import numpy as np
import pytest
import torch

from musicgen_serving.decoder import DecoderOptions, StaticCacheDecoder
from musicgen_serving.graphs import StepRunner
from musicgen_serving.hf_reference import transformers_codes
from musicgen_serving.request import GenerationRequest

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


@pytest.fixture(scope="module")
def tiny_cuda():
    import transformers

    from musicgen_serving import random_model

    transformers.logging.set_verbosity_error()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    return random_model.build_model("tiny", device="cuda"), random_model.build_tokenizer()


def run(tiny_cuda, req, graphs):
    model, tok = tiny_cuda
    dec = StaticCacheDecoder(model, tok, DecoderOptions(max_slots=4, max_frames=120, max_text_tokens=16, kv_block=16))
    runner = StepRunner(dec, [1, 2, 4], use_graphs=graphs)
    dec.admit([0], [req])
    for i in range(req.num_frames + 3):
        runner.step(1, req.prompt_frames + i + 1)
    assert runner.use_graphs == graphs, runner.capture_error
    return dec.read_frames(0, 0, req.num_frames)


@pytest.mark.parametrize("guidance", [1.0, 3.0])
def test_graphs_match_transformers_greedy(tiny_cuda, guidance):
    req = GenerationRequest(
        text="lofi beat", num_frames=50, prompt_codes=None, seed=0, guidance_scale=guidance, temperature=0.0
    )
    ref = transformers_codes(*tiny_cuda, "lofi beat", 50, guidance)
    np.testing.assert_array_equal(run(tiny_cuda, req, graphs=True), ref)


def test_graphs_match_eager_when_sampling(tiny_cuda):
    req = GenerationRequest(text="jazz", num_frames=40, prompt_codes=np.arange(20).reshape(4, 5), seed=3)
    np.testing.assert_array_equal(run(tiny_cuda, req, graphs=True), run(tiny_cuda, req, graphs=False))
