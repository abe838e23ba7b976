"""The split-K decode attention (Triton, interpreted on CPU) and the float8 KV cache against plain torch."""

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from musicgen_serving import decode_attention as da
from musicgen_serving.kv_cache import FP8_MAX, KVCache, position_bytes, quantize

needs_triton = pytest.mark.skipif(not da.available(), reason="this torch has no triton package")
# CPU tensors through Triton's interpreter (conftest sets it where there is no GPU); test_gpu.py runs the
# compiled kernels on a GPU
pytestmark = pytest.mark.skipif(os.environ.get("TRITON_INTERPRET") != "1", reason="interpreter tests (no GPU)")
MODEL_DIR = os.path.join(os.path.dirname(__file__), "..", "model_repository", "musicgen_lm", "1")


def cache(rows=6, heads=3, length=300, dim=16, dtype=torch.float32, seed=0):
    g = torch.Generator().manual_seed(seed)
    k = torch.randn(rows, heads, length, dim, generator=g).to(dtype)
    v = torch.randn(rows, heads, length, dim, generator=g).to(dtype)
    q = torch.randn(4, heads, dim, generator=g).to(dtype)
    return q, k, v


def test_choose_splits_fills_the_gpu_without_chunks_under_a_block():
    assert da.choose_splits(rows=2, heads=24, max_length=1536) == 6  # one prompt: 2 x 24 x 6 = 288 programs
    assert da.choose_splits(rows=128, heads=24, max_length=1536) == 1  # 64 prompts: already 3072
    assert da.choose_splits(rows=2, heads=24, max_length=128) == 2  # never more chunks than blocks
    assert da.choose_splits(rows=1, heads=1, max_length=1) == 1


@needs_triton
@pytest.mark.parametrize("splits", [None, 1, 3, 5])
def test_reads_each_rows_own_length_like_the_reference(splits):
    q, k, v = cache()
    lengths = torch.tensor([1, 70, 257, 300])  # one position, inside a block, a block edge + 1, all
    out = da.decode_attention(q, k, v, lengths, 0.25, max_length=300, splits=splits)
    ref = da.decode_attention_reference(q, k, v, lengths, 0.25)
    assert out.shape == (4, 3, 16) and out.dtype == torch.float32
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)


@needs_triton
def test_positions_past_a_rows_length_do_not_matter():
    q, k, v = cache()
    lengths = torch.tensor([5, 64, 65, 128])
    before = da.decode_attention(q, k, v, lengths, 0.25, max_length=128)
    k[:, :, 128:] = 1e4  # garbage beyond every row's length (never read)
    for r, n in enumerate(lengths.tolist()):
        k[r, :, n:128] = float("nan")
    torch.testing.assert_close(da.decode_attention(q, k, v, lengths, 0.25, max_length=128), before)


@needs_triton
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_strided_layer_of_a_bigger_cache(dtype):
    q, _, _ = cache(dtype=dtype)
    g = torch.Generator().manual_seed(1)
    kc = torch.randn(2, 8, 3, 512, 16, generator=g).to(dtype)  # [layers, rows, heads, max_len, dim]
    vc = torch.randn(2, 8, 3, 512, 16, generator=g).to(dtype)
    lengths = torch.tensor([3, 200, 384, 129])
    out = da.decode_attention(q, kc[1], vc[1], lengths, 0.25, max_length=384)
    ref = da.decode_attention_reference(q, kc[1], vc[1], lengths, 0.25)
    assert out.dtype == dtype
    torch.testing.assert_close(out.float(), ref.float(), rtol=1e-2, atol=1e-2)


@needs_triton
def test_float8_cache_with_scales_like_the_dequantized_reference():
    q, k, v = cache()
    k8, ks = quantize(k)
    v8, vs = quantize(v)
    lengths = torch.tensor([2, 99, 200, 300])
    out = da.decode_attention(q, k8, v8, lengths, 0.25, max_length=300, k_scale=ks, v_scale=vs)
    torch.testing.assert_close(out, da.decode_attention_reference(q, k8, v8, lengths, 0.25, ks, vs))
    exact = da.decode_attention_reference(q, k, v, lengths, 0.25)
    assert (out - exact).abs().max().item() < 0.1  # what e4m3 costs on unit-variance data


def test_refuses_float8_without_scales():
    q, k, v = cache()
    with pytest.raises(ValueError, match="float8 caches need k_scale and v_scale, others none"):
        da.decode_attention(q, k.to(torch.float8_e4m3fn), v.to(torch.float8_e4m3fn), torch.tensor([1] * 4), 1.0, 8)


def test_quantize_keeps_e4m3s_relative_precision_and_zero_vectors():
    x = torch.randn(64, 16) * torch.logspace(-3, 3, 64)[:, None]  # six decades of magnitude
    x[0] = 0.0
    q, scale = quantize(x)
    assert q.dtype == torch.float8_e4m3fn and scale.shape == (64,)
    back = q.float() * scale[:, None]
    assert torch.equal(back[0], torch.zeros(16))
    # 3 mantissa bits: within 1/16 of each value, or of the subnormal step (scale * 2**-9) for tiny ones
    bound = torch.maximum(x.abs() / 16, scale[:, None] * 2.0**-9)
    assert bool(((back - x).abs() <= bound).all())
    assert torch.allclose(q.float().abs().amax(dim=1)[1:], torch.full((63,), FP8_MAX))


def test_fp8_positions_take_68_bytes_per_head_against_128():
    assert position_bytes(24, 64, torch.float16, "auto") == 2 * 24 * 128
    assert position_bytes(24, 64, torch.float16, "fp8") == 2 * 24 * 68
    assert position_bytes(24, 64, torch.float32, "auto") == 2 * 24 * 256


def test_fp8_cache_writes_reads_and_moves():
    c = KVCache(2, 4, 3, 32, 16, torch.float32, torch.device("cpu"), "fp8")
    q, k, v = cache(rows=4, heads=3, length=32)
    c.write_prefix(1, slice(0, 2), k[:2, :, :10], v[:2, :, :10])
    c.write_positions(1, torch.tensor([0, 1]), torch.tensor([10, 10]), k[:2, :, 10], v[:2, :, 10])
    dk, dv = c.dense(1, 2, 11)
    assert dk.dtype == torch.float32 and dk.shape == (2, 3, 11, 16)
    torch.testing.assert_close(dk, k[:2, :, :11], rtol=1 / 16, atol=1e-3)
    torch.testing.assert_close(dv, v[:2, :, :11], rtol=1 / 16, atol=1e-3)
    c.move(slice(0, 2), slice(2, 4), 11)
    mk, mv = c.dense(1, 4, 11)
    assert torch.equal(mk[2:], dk) and torch.equal(mv[2:], dv)


def test_kernels_compile_for_the_l40s_and_h200_without_a_gpu():
    """Every variant down to a cubin for sm_89 and sm_90, in a process without the interpreter."""
    pytest.importorskip("triton")
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    done = subprocess.run(
        [sys.executable, "-m", "musicgen_serving.compile_kernels", "89", "90"],
        cwd=MODEL_DIR, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(lines) == 42 and all(": ok (" in line for line in lines), done.stdout


def test_compile_check_fails_on_a_kernel_that_does_not_compile(tmp_path):
    pytest.importorskip("triton")
    code = (
        "import triton, triton.language as tl\n"
        "from musicgen_serving.compile_kernels import Variant, compile_variant\n"
        "@triton.jit\n"
        "def bad(x_ptr, N: tl.constexpr):\n"
        "    tl.store(x_ptr + tl.arange(0, N), 1.0)\n"  # arange needs a power of two
        "try:\n"
        "    compile_variant(Variant('bad', bad, {'x_ptr': '*fp32'}, {'N': 3}), 89)\n"
        "except Exception as e:\n"
        "    print('refused:', type(e).__name__)\n"
    )
    (tmp_path / "bad_kernel.py").write_text(code)  # Triton reads a kernel's source from its file
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    env["PYTHONPATH"] = os.path.abspath(MODEL_DIR)
    done = subprocess.run([sys.executable, "bad_kernel.py"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.stdout.startswith("refused: "), done.stdout + done.stderr


def greedy(tiny, **options):
    from musicgen_serving.decoder import DecoderOptions, StaticCacheDecoder
    from musicgen_serving.graphs import StepRunner
    from musicgen_serving.request import GenerationRequest

    model, tokenizer = tiny
    opts = DecoderOptions(max_slots=2, max_frames=64, max_text_tokens=16, kv_block=16, **options)
    dec = StaticCacheDecoder(model, tokenizer, opts)
    run = StepRunner(dec, (1, 2), use_graphs=False)
    reqs = [
        GenerationRequest(
            text="lofi beat", num_frames=16, prompt_codes=None, seed=1, temperature=0.0, guidance_scale=3.0
        ),
        GenerationRequest(
            text="calm strings", num_frames=10, prompt_codes=None, seed=2, temperature=0.0, guidance_scale=3.0
        ),
    ]
    dec.admit([0], reqs[:1])
    for i in range(5):  # the second request joins later: rows of different lengths in one step
        run.step(1, i + 1)
    dec.admit([1], reqs[1:])
    for i in range(5, 19):
        run.step(2, i + 1)
    return [dec.read_frames(s, 0, r.num_frames).astype(np.int64) for s, r in enumerate(reqs)]


@needs_triton
def test_decoder_with_the_triton_attention_gives_the_sdpa_codes(tiny):
    ours, ref = greedy(tiny, attention="triton"), greedy(tiny)
    for a, b in zip(ours, ref):
        np.testing.assert_array_equal(a, b)


@needs_triton
def test_decoder_fp8_cache_same_codes_through_both_attentions(tiny):
    sdpa, tri = greedy(tiny, kv_cache_dtype="fp8"), greedy(tiny, kv_cache_dtype="fp8", attention="triton")
    for a, b in zip(tri, sdpa):
        np.testing.assert_array_equal(a, b)


@needs_triton
def test_decoder_step_reads_each_rows_own_text_and_matches_sdpa(tiny):
    from musicgen_serving.decoder import DecoderOptions, StaticCacheDecoder
    from musicgen_serving.request import GenerationRequest

    texts = ["lofi beat", "calm strings over a slow piano with rain"]
    decoders = {}
    for kind in ("sdpa", "triton"):
        opts = DecoderOptions(max_slots=3, max_frames=32, max_text_tokens=16, kv_block=16, attention=kind)
        dec = StaticCacheDecoder(*tiny, opts)
        dec.admit([0, 1], [GenerationRequest(text=t, num_frames=8, prompt_codes=None, seed=3) for t in texts])
        decoders[kind] = dec
    tokens = [decoders["sdpa"].count_text_tokens(t)[1] for t in texts]
    assert tokens[0] < tokens[1] < 16
    # conditional rows: the prompt's tokens; unconditional rows: one of their identical keys
    assert decoders["triton"].xlen.tolist() == [tokens[0], 1, tokens[1], 1, 1, 1]
    ref, ours = (decoders[k].decode_logits(2, 16) for k in ("sdpa", "triton"))
    torch.testing.assert_close(ours, ref, rtol=1e-4, atol=1e-4)
    decoders["triton"].move(1, 2, 1)
    assert decoders["triton"].xlen.tolist() == [tokens[0], 1, tokens[1], 1, tokens[1], 1]


def test_decoder_refuses_unknown_kernels(tiny):
    from musicgen_serving.decoder import DecoderOptions, StaticCacheDecoder

    with pytest.raises(ValueError, match="attention must be one of \\('sdpa', 'triton'\\): got 'flash'"):
        StaticCacheDecoder(*tiny, DecoderOptions(max_slots=1, attention="flash"))
    with pytest.raises(ValueError, match="kv_cache_dtype must be one of \\('auto', 'fp8'\\): got 'int8'"):
        StaticCacheDecoder(*tiny, DecoderOptions(max_slots=1, kv_cache_dtype="int8"))
