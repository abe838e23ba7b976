"""torch.compile of the decode step's sampling on CPU, against eager.

The step samples with sampling.guide, sampling.uniform and sampling.sample; ``sample`` (softmax, sort,
cumulative sums, gathers: most of the step's small kernels after the LM heads) is compiled here with
fullgraph=True, which fails on any graph break (a compiled step captured in a CUDA graph cannot have
one either). On a CPU, inductor turns the graph into C++: it needs g++ and Python's headers
(libpython3.11-dev), which ci-setup.sh installs.
"""

import torch

from musicgen_serving import sampling

ROWS, CODEBOOKS, VOCAB = 6, 4, 2048


def step_inputs(seed, step):
    """Guided logits of one step and each row's settings: greedy; top-k 250 (the shipped default);
    top-k 1; top-p 0.9; temperature 0.7 with top-k 50; temperature 1 with no truncation."""
    g = torch.Generator().manual_seed(seed)
    cond = torch.randn(ROWS, CODEBOOKS, VOCAB, generator=g) * 3
    uncond = torch.randn(ROWS, CODEBOOKS, VOCAB, generator=g) * 3
    guided = sampling.guide(cond, uncond, torch.tensor([3.0, 3.0, 3.0, 3.0, 3.0, 1.0]))
    seeds = [sampling.split_seed(s) for s in (1, 2, 3, -4, 2**40 + 5, 6)]
    seed_lo = torch.tensor([lo for lo, _ in seeds], dtype=torch.int64)
    seed_hi = torch.tensor([hi for _, hi in seeds], dtype=torch.int64)
    u = sampling.uniform(seed_lo, seed_hi, torch.full((ROWS,), step, dtype=torch.int64), CODEBOOKS)
    temperature = torch.tensor([0.0, 1.0, 1.0, 1.0, 0.7, 1.0])
    top_k = torch.tensor([0, 250, 1, 0, 50, 0], dtype=torch.int64)
    top_p = torch.tensor([0.0, 0.0, 0.0, 0.9, 0.0, 0.0])
    return guided, temperature, top_k, top_p, u


def test_compiled_sampling_equals_eager():
    torch._dynamo.reset()
    compiled = torch.compile(sampling.sample, fullgraph=True, dynamic=False)
    for seed, step in ((0, 1), (1, 2), (2, 500)):  # one compilation, three steps
        inputs = step_inputs(seed, step)
        got = compiled(*inputs)
        assert (got.dtype, got.shape) == (torch.int64, (ROWS, CODEBOOKS))
        assert torch.equal(got, sampling.sample(*inputs))
    # the rows whose answer is known without sampling: greedy and top-k 1 pick the argmax
    best = inputs[0].argmax(-1)
    assert torch.equal(got[[0, 2]], best[[0, 2]])
