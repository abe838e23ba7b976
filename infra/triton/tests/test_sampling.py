"""Batched CFG and sampling with the counter-based per-request RNG."""

import torch

from musicgen_serving import sampling


def params(n, temperature=1.0, top_k=0, top_p=0.0):
    return (torch.full((n,), temperature), torch.full((n,), top_k, dtype=torch.int64), torch.full((n,), top_p))


def test_uniform_is_deterministic_per_seed_and_step_and_independent_of_batch():
    lo = torch.tensor([1, 2, 1], dtype=torch.int64)
    hi = torch.tensor([0, 0, 0], dtype=torch.int64)
    step = torch.tensor([5, 5, 5], dtype=torch.int64)
    u = sampling.uniform(lo, hi, step, 4)
    assert u.shape == (3, 4)
    assert torch.equal(u[0], u[2]) and not torch.equal(u[0], u[1])
    alone = sampling.uniform(lo[1:2], hi[1:2], step[1:2], 4)
    assert torch.equal(alone[0], u[1])
    assert ((u >= 0) & (u < 1)).all()


def test_uniform_looks_uniform():
    n = 20000
    lo, hi = sampling.split_seed(123)
    u = sampling.uniform(torch.full((n,), lo), torch.full((n,), hi), torch.arange(n), 4)
    assert abs(u.mean().item() - 0.5) < 0.01
    hist = torch.histc(u, bins=10, min=0, max=1) / u.numel()
    assert (hist - 0.1).abs().max() < 0.01


def test_split_seed_handles_negative_and_large_seeds():
    assert sampling.split_seed(-1) == (0xFFFFFFFF, 0xFFFFFFFF)
    assert sampling.split_seed(2**40 + 5) == (5, 256)


def test_guide():
    cond, uncond = torch.tensor([[2.0, 0.0]]), torch.tensor([[1.0, 1.0]])
    assert torch.equal(sampling.guide(cond, uncond, torch.tensor([3.0])), torch.tensor([[4.0, -2.0]]))
    assert torch.equal(sampling.guide(cond, uncond, torch.tensor([1.0])), cond)


def test_greedy_top1_and_tiny_top_p_all_pick_the_argmax():
    torch.manual_seed(0)
    logits = torch.randn(3, 4, 2048)
    u = torch.rand(3, 4)
    best = logits.argmax(-1)
    assert torch.equal(sampling.sample(logits, *params(3, temperature=0.0), u), best)
    assert torch.equal(sampling.sample(logits, *params(3, top_k=1), u), best)
    assert torch.equal(sampling.sample(logits, *params(3, top_p=1e-6), u), best)


def test_top_k_stays_within_the_k_best_and_matches_probabilities():
    logits = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05])).repeat(4000, 1, 1)
    u = torch.rand(4000, 1)
    out = sampling.sample(logits, *params(4000, top_k=2), u)
    assert set(out.unique().tolist()) == {0, 1}
    assert abs((out == 0).float().mean().item() - 0.5 / 0.8) < 0.03
    out = sampling.sample(logits, *params(4000, top_p=0.7), u)  # keeps 0.5 and 0.3
    assert set(out.unique().tolist()) == {0, 1}
    out = sampling.sample(logits, *params(4000), u)
    assert abs((out == 3).float().mean().item() - 0.05) < 0.02


def test_temperature_sharpens():
    logits = torch.log(torch.tensor([0.6, 0.4])).repeat(4000, 1, 1)
    u = torch.rand(4000, 1)
    cold = sampling.sample(logits, *params(4000, temperature=0.25), u)
    assert (cold == 0).float().mean().item() > 0.8
