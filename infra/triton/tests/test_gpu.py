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


def run(tiny_cuda, req, graphs, **options):
    model, tok = tiny_cuda
    opts = DecoderOptions(max_slots=4, max_frames=120, max_text_tokens=16, kv_block=16, **options)
    dec = StaticCacheDecoder(model, tok, opts)
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


def test_triton_attention_compiled_matches_sdpa_in_graphs(tiny_cuda):
    """The split-K kernel, compiled for this GPU and captured in graphs, gives the SDPA path's codes."""
    req = GenerationRequest(text="lofi beat", num_frames=60, prompt_codes=np.arange(28).reshape(4, 7), seed=5)
    np.testing.assert_array_equal(run(tiny_cuda, req, True, attention="triton"), run(tiny_cuda, req, True))


@pytest.mark.parametrize("top_k,top_p", [(250, 0.0), (0, 0.9)])
def test_fused_kernels_compiled_give_the_plain_codes_in_graphs(tiny_cuda, top_k, top_p):
    """The step input, KV write and sampling kernels, compiled and captured, against torch's small kernels
    under the same attention kernel, sampling with top-k and with top-p."""
    req = GenerationRequest(text="jazz", num_frames=60, prompt_codes=None, seed=8, top_k=top_k, top_p=top_p)
    plain = run(tiny_cuda, req, True, attention="triton", fused_kernels=False)
    np.testing.assert_array_equal(run(tiny_cuda, req, True, attention="triton"), plain)


def test_fp8_cache_through_both_attentions_in_graphs(tiny_cuda):
    req = GenerationRequest(text="calm pad", num_frames=60, prompt_codes=None, seed=6, temperature=0.0)
    sdpa = run(tiny_cuda, req, True, kv_cache_dtype="fp8")
    np.testing.assert_array_equal(run(tiny_cuda, req, True, kv_cache_dtype="fp8", attention="triton"), sdpa)


@pytest.fixture(scope="module")
def codec_checkpoint(tmp_path_factory):
    from musicgen_serving.checkpoint import locate
    from musicgen_serving.random_model import save_random_model

    path = tmp_path_factory.mktemp("tiny-32k")
    save_random_model("tiny-32k", str(path))
    return locate(str(path))


@pytest.mark.parametrize("dtype, tolerance", [(torch.float32, 1e-4), (torch.float16, 2e-2), (torch.bfloat16, 1e-1)])
def test_codec_on_the_gpu_matches_the_cpu(codec_checkpoint, dtype, tolerance):
    from musicgen_serving.codec import CodecDecoder, load_codec

    torch.backends.cudnn.allow_tf32 = False  # what encodec_decode sets for float32
    codes = np.random.default_rng(0).integers(0, 2048, size=(3, 4, 250))
    cpu = CodecDecoder(load_codec(codec_checkpoint, torch.device("cpu"), torch.float32)).decode(codes)
    gpu = CodecDecoder(load_codec(codec_checkpoint, torch.device("cuda"), dtype)).decode(codes)
    assert gpu.shape == cpu.shape == (3, 250 * 640) and np.isfinite(gpu).all()
    assert np.abs(gpu - cpu).max() <= tolerance * np.abs(cpu).max()


def test_text_encoder_stays_float32_beside_a_half_precision_lm(tiny_dir):
    from musicgen_serving.config import ServingConfig
    from musicgen_serving.loader import engine_from_config

    params = {"model_id": {"string_value": tiny_dir}, "max_concurrent_requests": {"string_value": "2"}}
    cfg = ServingConfig.from_parameters(params)
    engine, _ = engine_from_config(cfg, torch.device("cuda"))
    dec = engine.decoder
    assert (next(dec.text_encoder.parameters()).dtype, dec.dtype) == (torch.float32, torch.float16)
