"""The step-embedding Triton kernel against the decoder's own plain path, on the tiny random MusicGen.

Without a GPU the kernel runs in Triton's interpreter on CPU tensors (conftest.py sets TRITON_INTERPRET);
on a GPU (infra/bench/run_gpu.sh) the same tests run it compiled.
"""

import pytest
import torch

from musicgen_serving import random_model
from musicgen_serving.decoder import DecoderOptions, StaticCacheDecoder
from musicgen_serving.step_embedding import step_embedding, step_embedding_reference

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


def decoder(dtype):
    model = random_model.build_model("tiny", seed=0).to(DEVICE, dtype).eval()
    return StaticCacheDecoder(model, random_model.build_tokenizer(), DecoderOptions(max_slots=4, max_frames=120))


def step_input(dec):
    """Tokens of three slots (one of them all special tokens, as at step 0) and their positions
    (the first and the last of the cache among them)."""
    g = torch.Generator().manual_seed(3)
    tokens = torch.randint(0, dec.vocab, (3, dec.num_codebooks), generator=g)
    tokens[1] = dec.pad_id
    positions = torch.tensor([0, 17, dec.max_len - 1])
    return tokens.to(DEVICE), positions.to(DEVICE)


def tables(dec):
    return torch.stack([e.weight.detach() for e in dec.embed])  # [K, vocab + 1, hidden]


@pytest.mark.parametrize("dtype,tolerance", [(torch.float32, 1e-6), (torch.float16, 2e-3)])
def test_equals_the_plain_path(dtype, tolerance):
    dec = decoder(dtype)
    tokens, positions = step_input(dec)
    got = step_embedding(tokens, tables(dec), positions, dec.pos_table, dec.embed_scale)
    want = step_embedding_reference(dec, tokens, positions)
    assert (got.shape, got.dtype) == ((6, dec.hidden), dtype)
    torch.testing.assert_close(got, want, rtol=tolerance, atol=tolerance)
    assert torch.equal(got[0::2], got[1::2])  # each slot's conditional and unconditional rows


def test_scaled_embeddings():
    dec = decoder(torch.float32)
    dec.embed_scale = 8.0  # MusicGen configs with scale_embedding: sqrt(hidden)
    tokens, positions = step_input(dec)
    got = step_embedding(tokens, tables(dec), positions, dec.pos_table, dec.embed_scale)
    torch.testing.assert_close(got, step_embedding_reference(dec, tokens, positions), rtol=1e-6, atol=1e-6)
