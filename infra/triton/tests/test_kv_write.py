"""The decode step's KV-write Triton kernel against the cache's plain write, for every cache kind.

Without a GPU the kernel runs in Triton's interpreter on CPU tensors (conftest.py sets TRITON_INTERPRET);
on a GPU (infra/bench/run_gpu.sh) the same tests run it compiled.
"""

import pytest
import torch

from musicgen_serving import kv_write
from musicgen_serving.kv_cache import KVCache

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
needs_triton = pytest.mark.skipif(kv_write.triton is None, reason="this torch has no triton package")
LAYERS, ROWS, HEADS, MAX_LEN, HEAD_DIM = 3, 6, 4, 40, 16


def step_kv(rows: int, dtype: torch.dtype):
    """New K and V of one step as the decoder has them: heads sliced out of one fused QKV output
    [rows, 1, 3 * hidden] (strided, not contiguous). Heads range from 0.1 to 100 in magnitude and each
    spans five decades inside, so that float8 codes fall in e4m3's subnormal range too; one head is zero."""
    g = torch.Generator().manual_seed(5)
    hidden = HEADS * HEAD_DIM
    inside = torch.logspace(-5, 0, HEAD_DIM).repeat(3 * HEADS)
    across = torch.logspace(-1, 2, 3 * HEADS).repeat_interleave(HEAD_DIM)
    qkv = torch.randn(rows, 1, 3 * hidden, generator=g) * inside * across
    qkv[0, 0, hidden : hidden + HEAD_DIM] = 0.0  # row 0, head 0 of K
    qkv = qkv.to(DEVICE, dtype)
    k = qkv[..., hidden : 2 * hidden].view(rows, 1, HEADS, HEAD_DIM).transpose(1, 2)[:, :, 0]
    v = qkv[..., 2 * hidden :].view(rows, 1, HEADS, HEAD_DIM).transpose(1, 2)[:, :, 0]
    return k, v


def caches(dtype: torch.dtype, kind: str):
    """Two equal caches with earlier contents, one for each path."""
    made = []
    for _ in range(2):
        c = KVCache(LAYERS, ROWS, HEADS, MAX_LEN, HEAD_DIM, dtype, torch.device(DEVICE), kind)
        g = torch.Generator().manual_seed(9)
        old = torch.randn(LAYERS, ROWS, HEADS, MAX_LEN, HEAD_DIM, generator=g).to(DEVICE, dtype)
        for layer in range(LAYERS):
            c.write_prefix(layer, slice(0, ROWS), old[layer], old[layer])
        made.append(c)
    return made


@needs_triton
@pytest.mark.parametrize(
    ("dtype", "kind"),
    [(torch.float32, "auto"), (torch.float16, "auto"), (torch.float32, "fp8"), (torch.float16, "fp8")],
)
def test_one_launch_writes_what_the_plain_write_writes(dtype, kind):
    plain, fused = caches(dtype, kind)
    rows = 4  # rows 4 and 5 are not in the step: left as they were
    k, v = step_kv(rows, dtype)
    positions = torch.tensor([0, 7, 7, MAX_LEN - 1], device=DEVICE)
    plain.write_positions(1, torch.arange(rows, device=DEVICE), positions, k, v)
    kv_write.write_step(fused, 1, positions, k, v)
    for name in ("k", "v", "k_scale", "v_scale"):
        assert bit_equal(getattr(fused, name), getattr(plain, name)), name


def bit_equal(a, b) -> bool:
    """Equal bit for bit (float8 compared as its bytes); both None counts as equal."""
    if a is None or b is None:
        return a is b
    if a.dtype == torch.float8_e4m3fn:
        a, b = a.view(torch.uint8), b.view(torch.uint8)
    return torch.equal(a, b)


@needs_triton
def test_positions_of_any_stride():
    # the decoder's positions of one slot's two rows: one element read twice (stride 0)
    plain, fused = caches(torch.float16, "fp8")
    k, v = step_kv(2, torch.float16)
    positions = torch.tensor([5], device=DEVICE).expand(2)
    assert positions.stride() == (0,)
    plain.write_positions(0, torch.arange(2, device=DEVICE), positions, k, v)
    kv_write.write_step(fused, 0, positions, k, v)
    for name in ("k", "v", "k_scale", "v_scale"):
        assert bit_equal(getattr(fused, name), getattr(plain, name)), name


@needs_triton
def test_an_all_zero_vector_gets_the_smallest_scale_and_zero_codes():
    _, fused = caches(torch.float32, "fp8")
    k, v = step_kv(1, torch.float32)
    kv_write.write_step(fused, 0, torch.tensor([3], device=DEVICE), k, v)
    assert fused.k_scale[0, 0, 0, 3].item() == 2.0**-24
    assert torch.count_nonzero(fused.k[0, 0, 0, 3].float()).item() == 0
