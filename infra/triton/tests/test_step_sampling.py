"""The fused sample-and-commit Triton kernel against the decoder's plain ``sample`` and ``commit``.

Both run on the same slot state: the plain path through StaticCacheDecoder's own methods on a namespace
holding just the buffers they read (so the vocabulary can be MusicGen's 2048 without a model), the kernel
on a copy. Without a GPU the kernel runs in Triton's interpreter on CPU tensors (conftest.py sets
TRITON_INTERPRET); on a GPU (infra/bench/run_gpu.sh) the same tests run it compiled.
"""

from types import SimpleNamespace

import pytest
import torch

from musicgen_serving import sampling
from musicgen_serving.decoder import SAMPLING_STATE, StaticCacheDecoder
from musicgen_serving.step_sampling import sample_and_commit

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
CODEBOOKS, MAX_FRAMES, PAD, STEPS = 4, 40, 2048, 6

# per slot: guidance, temperature, top_k, top_p, first position, prompt frames, total frames, active
SLOTS = [
    (3.0, 1.0, 250, 0.0, 10, 0, 30, True),  # MusicGen's defaults
    (3.0, 0.0, 250, 0.0, 10, 0, 30, True),  # greedy
    (1.0, 0.7, 0, 0.9, 10, 0, 30, True),  # top-p, guidance off (the conditional logits as they are)
    (2.0, 1.3, 0, 0.0, 12, 12, 40, True),  # the whole distribution; codebooks 1..3 still in the prompt
    (3.0, 1.0, 250, 0.0, 0, 0, 30, False),  # the delay pattern's first special cells; not running
    (3.0, 1.0, 5, 0.0, 29, 0, 28, True),  # past its last frame in codebooks 0 and 1: the end's special cells
]


def state(seed: int):
    """The decoder buffers that ``sample`` and ``commit`` read and write, for the slots above."""
    g = torch.Generator().manual_seed(seed)
    columns = list(zip(*SLOTS))
    f32, i64 = dict(dtype=torch.float32), dict(dtype=torch.int64)
    s = SimpleNamespace(
        guidance=torch.tensor(columns[0], **f32),
        temperature=torch.tensor(columns[1], **f32),
        top_k=torch.tensor(columns[2], **i64),
        top_p=torch.tensor(columns[3], **f32),
        pos=torch.tensor(columns[4], **i64),
        prompt_len=torch.tensor(columns[5], **i64),
        total_frames=torch.tensor(columns[6], **i64),
        active=torch.tensor(columns[7]),
        seed_lo=torch.randint(0, 2**32, (len(SLOTS),), generator=g),
        seed_hi=torch.randint(0, 2**32, (len(SLOTS),), generator=g),
        prompt=torch.randint(0, PAD, (len(SLOTS), CODEBOOKS, MAX_FRAMES), generator=g),
        frames=torch.zeros(len(SLOTS), CODEBOOKS, MAX_FRAMES + 1, dtype=torch.int32),
        tokens=torch.full((len(SLOTS), CODEBOOKS), PAD, **i64),
    )
    for name, value in vars(s).items():
        setattr(s, name, value.to(DEVICE))
    s.num_codebooks, s.pad_id, s.options = CODEBOOKS, PAD, SimpleNamespace(max_frames=MAX_FRAMES)
    s.codebook_index = torch.arange(CODEBOOKS, device=DEVICE)
    return s


def plain_step(s, logits):
    """The plain path's end of a decode step on raw logits [K, 2B, V], as StaticCacheDecoder runs it."""
    batch = logits.shape[1] // 2
    both = logits.float().permute(1, 0, 2).reshape(batch, 2, CODEBOOKS, -1)
    guided = sampling.guide(both[:, 0], both[:, 1], s.guidance)
    StaticCacheDecoder.commit(s, batch, StaticCacheDecoder.sample(s, batch, guided))


def fused_step(s, logits):
    sample_and_commit(logits, pad_id=s.pad_id, **{n: getattr(s, n) for n in SAMPLING_STATE})


def random_logits(g, vocab, dtype, ties=False):
    """Logits [K, 2B, V] of about a trained LM's spread; with ``ties``, in steps of 0.5, so that many codes
    of a row share a probability and the sort's order among them decides the draw."""
    x = torch.randn(CODEBOOKS, 2 * len(SLOTS), vocab, generator=g) * 2.5
    if ties:
        x = (x * 2).round() / 2
    return x.to(DEVICE, dtype)


@pytest.mark.parametrize(
    "vocab,dtype,ties",
    [
        (2048, torch.float32, False),  # MusicGen's codebooks
        (2048, torch.float16, True),  # the LM's dtype, and many equal probabilities
        (48, torch.float32, False),  # not a power of two: the kernel's padding lanes
    ],
)
def test_steps_equal_the_plain_path(vocab, dtype, ties):
    plain, fused = state(1), state(1)
    g = torch.Generator().manual_seed(vocab)
    for _ in range(STEPS):
        logits = random_logits(g, vocab, dtype, ties)
        plain_step(plain, logits)
        fused_step(fused, logits)
    assert torch.equal(fused.frames, plain.frames)
    assert torch.equal(fused.tokens, plain.tokens)
    assert torch.equal(fused.pos, plain.pos)
    assert plain.pos.tolist() == [10 + STEPS, 10 + STEPS, 10 + STEPS, 12 + STEPS, 0, 29 + STEPS]


def test_each_kind_of_cell():
    """One step, checked cell by cell: the prompt's codes, special cells, the inactive slot, ended frames."""
    s = state(2)
    logits = random_logits(torch.Generator().manual_seed(5), 64, torch.float32)
    fused_step(s, logits)
    guided = sampling.guide(logits[:, 0::2].transpose(0, 1), logits[:, 1::2].transpose(0, 1), s.guidance)
    # greedy slot 1 at position 10: codebook k's cell is frame 10 - k, generated
    assert [s.frames[1, k, 10 - k].item() for k in range(CODEBOOKS)] == guided[1].argmax(-1).tolist()
    # slot 3 at position 12 with a 12-frame prompt: frame 12 is sampled, frames 11, 10, 9 are the prompt's
    assert s.tokens[3, 1:].tolist() == [s.prompt[3, 1, 11].item(), s.prompt[3, 2, 10].item(), s.prompt[3, 3, 9].item()]
    assert s.frames[3, 0, 0].item() == s.tokens[3, 0].item()  # generated frame 0 (frame 12 of 40)
    # slot 4 (inactive) keeps its tokens and position; its cells are special (frames before the first)
    assert s.tokens[4].tolist() == [PAD] * CODEBOOKS and s.pos[4].item() == 0
    # slot 5 at position 29 of 28 frames: codebooks 0 and 1 are past the end (special), 2 and 3 generate
    assert s.tokens[5, :2].tolist() == [PAD, PAD]
    assert s.frames[5, 2, 27].item() == s.tokens[5, 2].item() and s.frames[5, 3, 26].item() == s.tokens[5, 3].item()
    assert s.pos.tolist() == [11, 11, 11, 13, 0, 30]


def test_the_decoder_steps_alike_with_and_without_its_fused_kernels(tiny):
    """Two decoders on the same Triton attention, sampling with MusicGen's defaults (top-k 250) and a
    continuation prompt, one with the fused kernels (step input, KV write, this one) and one without."""
    import numpy as np

    from musicgen_serving.decoder import DecoderOptions, StaticCacheDecoder
    from musicgen_serving.request import GenerationRequest

    model, tokenizer = tiny
    prompt = np.random.default_rng(4).integers(0, 2048, size=(CODEBOOKS, 5))
    requests = [
        GenerationRequest(text="lofi beat", num_frames=8, prompt_codes=None, seed=11),
        GenerationRequest(text="calm strings", num_frames=6, prompt_codes=prompt, seed=-3, top_k=0, top_p=0.8),
    ]
    decoders = []
    for fused in (True, False):
        options = DecoderOptions(
            max_slots=2, max_frames=32, max_text_tokens=16, kv_block=16, attention="triton", fused_kernels=fused
        )
        dec = StaticCacheDecoder(model.to(DEVICE), tokenizer, options)
        dec.admit([0, 1], requests)
        for _ in range(6):
            dec.decode_step(2, 16)
        decoders.append(dec)
    fused, plain = decoders
    assert (fused.fused, plain.fused) == (True, False)
    assert fused.pos.tolist() == plain.pos.tolist() == [6, 11]
    assert torch.equal(fused.tokens, plain.tokens)
    assert torch.equal(fused.frames, plain.frames)
