"""Static KV-cache MusicGen decoder with per-request slots.

Device state (all preallocated; ``S`` slots, each slot owns two cache rows: ``2*s`` conditional and
``2*s + 1`` unconditional, so classifier-free guidance is one forward over both rows):

- self-attention K/V cache ``[layers, 2S, heads, max_len, head_dim]`` (:mod:`kv_cache`: the LM's dtype,
  or float8 with per-position scales when ``kv_cache_dtype`` is ``fp8``)
- cross-attention K/V computed once per request ``[layers, 2S, heads, max_text, head_dim]`` plus an
  additive mask ``[2S, max_text]`` and each row's text length ``[2S]`` (the prompt's tokens for a
  conditional row; 1 for an unconditional row, whose keys and values are all the same)
- per slot: the tokens to feed next, the cache position, prompt codes, sampling parameters, and the
  generated frames written WITHOUT the delay pattern (``[S, 4, max_frames + 1]``, last column is a
  dump for cells that are not generated frames).

The decode step (:meth:`StaticCacheDecoder.decode_step`) reads and writes only these buffers, so it
can be captured once per (batch bucket, cache-length bucket) in a CUDA graph and replayed; the very
same function runs eagerly on CPU. Self-attention runs one of two ways (``attention``):

- ``sdpa``: torch's scaled_dot_product_attention over ``max_length`` cache positions (the longest
  running request rounded up to a block, never the whole cache), shorter rows masked;
- ``triton``: :mod:`decode_attention`'s split-K kernel, which reads only each row's own positions and
  reads a float8 cache without dequantizing it first (CUDA, or Triton's interpreter in tests). The
  step's cross-attention then runs through the same kernel over each row's text length, instead of
  SDPA over ``max_text`` padded positions with a mask, and (unless ``fused_kernels`` is off) three more
  Triton kernels replace runs of small ones: the step's input (:mod:`step_embedding`: codebook
  embeddings, scale, position, both CFG rows), each layer's K/V cache write (:mod:`kv_write`, float8
  quantization included) and the step's end (:mod:`step_sampling`: guidance, the draw and the commit).

Delay pattern (codebook k of frame t lives at step t + 1 + k; step 0 is all special tokens): feeding
step s produces step s + 1, whose codebook k is frame t = s - k. That cell is a special token when
t < 0 or t >= P + N, the prompt code when t < P, and sampled otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from . import decode_attention, kv_write, sampling
from .kv_cache import KV_CACHE_DTYPES, KVCache
from .request import GenerationRequest

ATTENTION_KINDS = ("sdpa", "triton")
# the per-slot buffers that step_sampling.sample_and_commit reads and writes, by its argument names
SAMPLING_STATE = (
    "guidance temperature top_k top_p seed_lo seed_hi pos prompt_len total_frames active prompt frames tokens"
).split()


@dataclass(frozen=True)
class DecoderOptions:
    """Sizes of the preallocated state. ``max_frames`` bounds prompt + generated frames."""

    max_slots: int = 64
    max_frames: int = 1500
    max_text_tokens: int = 64
    kv_block: int = 128
    kv_cache_dtype: str = "auto"  # "auto": the LM's dtype; "fp8": e4m3 with per-position scales
    attention: str = "sdpa"  # decode-step self-attention: "sdpa" or "triton" (see the module docstring)
    fused_kernels: bool = True  # with "triton": the step's input, KV writes and sampling as Triton kernels

    @property
    def max_len(self) -> int:
        """Cache positions: BOS step + frames + 3 delay steps, rounded up to a whole block."""
        need = self.max_frames + 4
        return int(math.ceil(need / self.kv_block) * self.kv_block)


def attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor, scale: float) -> torch.Tensor:
    """softmax(q k^T * scale + mask) v (PyTorch's scaled dot-product attention, with an additive mask)."""
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=scale)


class StaticCacheDecoder:
    """Runs MusicGen's LM over preallocated slots; see the module docstring for the layout.

    ``model`` is a transformers ``MusicgenForConditionalGeneration`` (already on ``device`` in the
    serving dtype), ``tokenizer`` its T5 tokenizer.
    """

    def __init__(self, model, tokenizer, options: Optional[DecoderOptions] = None) -> None:
        self.options = options = options or DecoderOptions()
        if options.attention not in ATTENTION_KINDS:
            raise ValueError(f"attention must be one of {ATTENTION_KINDS}: got {options.attention!r}")
        if options.kv_cache_dtype not in KV_CACHE_DTYPES:
            raise ValueError(f"kv_cache_dtype must be one of {KV_CACHE_DTYPES}: got {options.kv_cache_dtype!r}")
        if options.attention == "triton" and not decode_attention.available():
            raise ValueError("attention 'triton' needs the triton package, which this torch lacks: use 'sdpa'")
        self.fused = options.attention == "triton" and options.fused_kernels
        if self.fused:
            # these import triton at once: only on this path
            from .step_embedding import step_embedding
            from .step_sampling import sample_and_commit

            self._step_embedding = step_embedding
            self._sample_and_commit = sample_and_commit
        self.tokenizer = tokenizer
        self.text_encoder = model.text_encoder
        self.enc_to_dec_proj = getattr(model, "enc_to_dec_proj", None)
        lm = model.decoder
        core = lm.model.decoder
        cfg = lm.config
        self.num_codebooks = cfg.num_codebooks
        self.vocab = cfg.vocab_size
        self.pad_id = cfg.pad_token_id if cfg.pad_token_id is not None else cfg.vocab_size
        self.embed = list(core.embed_tokens)
        self.embed_table = torch.stack([e.weight.detach() for e in self.embed])  # [K, V + 1, d]
        for k, e in enumerate(self.embed):
            e.weight.data = self.embed_table[k]  # a view: no second copy of the tables
        self.embed_scale = math.sqrt(cfg.hidden_size) if getattr(cfg, "scale_embedding", False) else 1.0
        self.layers = list(core.layers)
        self.final_norm = core.layer_norm
        self.heads = torch.stack([h.weight.detach() for h in lm.lm_heads])  # [K, V, d], one batched GEMM
        for k, head in enumerate(lm.lm_heads):
            head.weight.data = self.heads[k]  # a view: no second copy of the heads
        self.hidden = cfg.hidden_size
        self.num_heads = cfg.num_attention_heads
        self.head_dim = self.hidden // self.num_heads
        self.scale = self.head_dim**-0.5
        self.qkv_weight, self.qkv_bias = {}, {}
        for layer in self.layers:
            self._fuse_qkv(layer.self_attn)

        p = self.heads
        self.device, self.dtype = p.device, p.dtype
        dev, dt = self.device, self.dtype
        o = options
        S, L, H, hd = o.max_slots, len(self.layers), self.num_heads, self.head_dim
        self.max_len = o.max_len
        self.pos_table = self._positions(core, self.max_len).to(dev, dt)
        self.cache = KVCache(L, 2 * S, H, self.max_len, hd, dt, dev, o.kv_cache_dtype)
        self.xk = torch.zeros(L, 2 * S, H, o.max_text_tokens, hd, device=dev, dtype=dt)
        self.xv = torch.zeros_like(self.xk)
        self.xmask = torch.zeros(2 * S, o.max_text_tokens, device=dev, dtype=dt)
        self.xlen = torch.ones(2 * S, device=dev, dtype=torch.int64)
        i64 = dict(device=dev, dtype=torch.int64)
        self.tokens = torch.full((S, self.num_codebooks), self.pad_id, **i64)
        self.pos = torch.zeros(S, **i64)
        self.active = torch.zeros(S, device=dev, dtype=torch.bool)
        self.prompt_len = torch.zeros(S, **i64)
        self.total_frames = torch.zeros(S, **i64)
        self.prompt = torch.zeros(S, self.num_codebooks, o.max_frames, **i64)
        self.frames = torch.zeros(S, self.num_codebooks, o.max_frames + 1, device=dev, dtype=torch.int32)
        self.guidance = torch.ones(S, device=dev, dtype=torch.float32)
        self.temperature = torch.ones(S, device=dev, dtype=torch.float32)
        self.top_k = torch.zeros(S, **i64)
        self.top_p = torch.zeros(S, device=dev, dtype=torch.float32)
        self.seed_lo = torch.zeros(S, **i64)
        self.seed_hi = torch.zeros(S, **i64)
        self.key_index = torch.arange(self.max_len, **i64)
        self.codebook_index = torch.arange(self.num_codebooks, **i64)
        self.neg = torch.finfo(dt).min

    def _fuse_qkv(self, attn) -> None:
        """One GEMM for q, k and v; the modules' weights become views of the fused one (no copy kept)."""
        projs = (attn.q_proj, attn.k_proj, attn.v_proj)
        weight = torch.cat([p.weight.detach() for p in projs])
        d = self.hidden
        for i, p in enumerate(projs):
            p.weight.data = weight[i * d : (i + 1) * d]
        bias = None
        if any(p.bias is not None for p in projs):
            bias = torch.cat([p.bias.detach() if p.bias is not None else weight.new_zeros(d) for p in projs])
        self.qkv_weight[id(attn)] = weight
        self.qkv_bias[id(attn)] = bias

    @staticmethod
    def _positions(core, n: int) -> torch.Tensor:
        weights = getattr(core.embed_positions, "weights", None)
        if isinstance(weights, torch.Tensor) and weights.shape[0] >= n:
            return weights[:n].detach().float()
        half = core.config.hidden_size // 2
        freq = torch.exp(torch.arange(half, dtype=torch.float32) * -(math.log(10000) / (half - 1)))
        ang = torch.arange(n, dtype=torch.float32)[:, None] * freq[None, :]
        emb = torch.cat([torch.cos(ang), torch.sin(ang)], dim=1)
        if core.config.hidden_size % 2:
            emb = torch.cat([emb, torch.zeros(n, 1)], dim=1)
        return emb

    # -- per-request work (eager) ----------------------------------------------------------------
    def count_text_tokens(self, text: str) -> tuple:
        """(tokens of the prompt, tokens the model reads): the T5 tokens of ``text`` (with its end token)
        and how many of them :meth:`encode_text` keeps (at most ``max_text_tokens``)."""
        total = len(self.tokenizer(text, truncation=False, verbose=False)["input_ids"])
        return total, min(total, self.options.max_text_tokens)

    @torch.no_grad()
    def encode_text(self, texts: Sequence[str]) -> tuple:
        """T5-encodes texts; returns projected, masked states [B, max_text, d] and masks [B, max_text]."""
        enc = self.tokenizer(
            list(texts),
            padding="max_length",
            truncation=True,
            max_length=self.options.max_text_tokens,
            return_tensors="pt",
        )
        ids = enc["input_ids"].to(self.device)
        mask = enc["attention_mask"].to(self.device)
        states = self.text_encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        if self.enc_to_dec_proj is not None:
            states = self.enc_to_dec_proj(states)
        states = states * mask[..., None].to(states.dtype)
        # the text encoder may run in a wider dtype than the LM (float32 by default, as audiocraft)
        return states.to(self.dtype), mask

    @torch.no_grad()
    def admit(self, slots: Sequence[int], requests: Sequence[GenerationRequest]) -> None:
        """Prepares slots for new requests: cross-attention K/V, prompt prefill, sampling state."""
        if not slots:
            return
        states, mask = self.encode_text([r.text for r in requests])
        B, T, d = states.shape
        rows = torch.tensor([2 * s + c for s in slots for c in (0, 1)], device=self.device)
        both = torch.stack([states, torch.zeros_like(states)], dim=1).reshape(2 * B, T, d)
        for li, layer in enumerate(self.layers):
            attn = layer.encoder_attn
            k = attn.k_proj(both).view(2 * B, T, self.num_heads, self.head_dim).transpose(1, 2)
            v = attn.v_proj(both).view(2 * B, T, self.num_heads, self.head_dim).transpose(1, 2)
            self.xk[li, rows] = k
            self.xv[li, rows] = v
        xmask = torch.zeros(2 * B, T, device=self.device, dtype=self.dtype)
        # conditional rows mask padding; unconditional rows see identical all-zero keys, so no mask
        xmask[0::2] = torch.where(mask > 0, 0.0, self.neg).to(self.dtype)
        self.xmask[rows] = xmask
        # the tokenizer pads on the right, so a conditional row's keys are positions [0, tokens); an
        # unconditional row's keys are all equal, so one of them gives the same softmax-weighted value
        xlen = torch.ones(2 * B, device=self.device, dtype=torch.int64)
        xlen[0::2] = mask.sum(dim=1).clamp(min=1)
        self.xlen[rows] = xlen
        for slot, req in zip(slots, requests):
            self._admit_one(slot, req)

    def _admit_one(self, slot: int, req: GenerationRequest) -> None:
        P, N = req.prompt_frames, req.num_frames
        steps = delayed_steps(req.prompt_codes, self.num_codebooks, self.pad_id)  # [P + 1, K]
        if P > 0:
            self._prefill(slot, torch.as_tensor(steps[:P], device=self.device))
            self.prompt[slot, :, :P] = torch.as_tensor(req.prompt_codes, device=self.device)
        self.tokens[slot] = torch.as_tensor(steps[P], device=self.device)
        self.pos[slot] = P
        self.prompt_len[slot] = P
        self.total_frames[slot] = P + N
        self.guidance[slot] = req.guidance_scale
        self.temperature[slot] = req.temperature
        self.top_k[slot] = req.top_k
        self.top_p[slot] = req.top_p
        lo, hi = sampling.split_seed(req.seed)
        self.seed_lo[slot] = lo
        self.seed_hi[slot] = hi
        self.active[slot] = True

    def _prefill(self, slot: int, steps: torch.Tensor) -> None:
        """Fills cache positions 0..P-1 of both rows of a slot from delayed prompt steps [P, K]."""
        P = steps.shape[0]
        rows = slice(2 * slot, 2 * slot + 2)
        x = self._embed(steps) + self.pos_table[:P]
        h = x.unsqueeze(0).expand(2, P, self.hidden).contiguous()
        causal = torch.full((P, P), self.neg, device=self.device, dtype=self.dtype).triu(1)
        causal = causal.view(1, 1, P, P)
        xmask = self.xmask[rows].view(2, 1, 1, -1)
        for li, layer in enumerate(self.layers):
            r = h
            q, k, v = self._qkv(layer.self_attn, layer.self_attn_layer_norm(h))
            self.cache.write_prefix(li, rows, k, v)
            h = self._out(layer.self_attn, attend(q, k, v, causal, self.scale), r)
            h = self._cross_ffn(layer, li, h, rows, xmask)

    def release(self, slot: int) -> None:
        self.active[slot] = False

    def move(self, src: int, dst: int, length: int) -> None:
        """Copies a running request's state from slot src to dst (slot compaction)."""
        n = min(length + 1, self.max_len)
        s, d = slice(2 * src, 2 * src + 2), slice(2 * dst, 2 * dst + 2)
        self.cache.move(s, d, n)
        self.xk[:, d] = self.xk[:, s]
        self.xv[:, d] = self.xv[:, s]
        self.xmask[d] = self.xmask[s]
        self.xlen[d] = self.xlen[s]
        for buf in (
            self.tokens,
            self.pos,
            self.active,
            self.prompt_len,
            self.total_frames,
            self.prompt,
            self.frames,
            self.guidance,
            self.temperature,
            self.top_k,
            self.top_p,
            self.seed_lo,
            self.seed_hi,
        ):
            buf[dst] = buf[src]
        self.active[src] = False

    def read_frames(self, slot: int, start: int, end: int) -> np.ndarray:
        """Generated codes of frames [start, end) of a slot: int32 [K, end - start] (no delay)."""
        return self.frames[slot, :, start:end].to("cpu", copy=True).numpy()

    # -- the batched decode step (graph-capturable) ---------------------------------------------
    @torch.no_grad()
    def decode_step(self, batch: int, length: int) -> None:
        """Feeds one step to slots 0..batch-1, attending to cache positions [0, length)."""
        if not self.fused:
            self.commit(batch, self.sample(batch, self.decode_logits(batch, length)))
            return
        state = {name: getattr(self, name)[:batch] for name in SAMPLING_STATE}
        self._sample_and_commit(self._head_logits(batch, length), pad_id=self.pad_id, **state)

    @torch.no_grad()
    def decode_logits(self, batch: int, length: int) -> torch.Tensor:
        """The step's forward pass: writes the fed step into the cache and returns the guided logits of
        the next one, float32 [batch, codebooks, vocab]; :meth:`commit` then feeds the chosen codes."""
        logits = self._head_logits(batch, length).float()  # [K, 2B, V]
        logits = logits.permute(1, 0, 2).reshape(batch, 2, self.num_codebooks, self.vocab)
        return sampling.guide(logits[:, 0], logits[:, 1], self.guidance[:batch])

    def _head_logits(self, batch: int, length: int) -> torch.Tensor:
        """The forward pass of :meth:`decode_logits` up to the LM heads: logits in the LM's dtype, [K, 2B, V]
        (rows 2b and 2b + 1: slot b's conditional and unconditional)."""
        rows = 2 * batch
        pos = self.pos[:batch].clamp(max=self.max_len - 1)
        prow = _twice(pos)
        fused = self.fused
        if fused:
            x = self._step_embedding(self.tokens[:batch], self.embed_table, pos, self.pos_table, self.embed_scale)
        else:
            x = _twice(self._embed(self.tokens[:batch])) + self.pos_table[prow]
        h = x.unsqueeze(1)  # [2B, 1, d]
        keys = self.key_index[:length]
        self_mask = torch.where(keys[None, :] <= prow[:, None], 0.0, self.neg).to(self.dtype)
        self_mask = self_mask.view(rows, 1, 1, length)
        row_idx = torch.arange(rows, device=self.device)
        xmask = self.xmask[:rows].view(rows, 1, 1, -1)
        for li, layer in enumerate(self.layers):
            r = h
            q, k, v = self._qkv(layer.self_attn, layer.self_attn_layer_norm(h))
            if fused:
                kv_write.write_step(self.cache, li, prow, k[:, :, 0], v[:, :, 0])
            else:
                self.cache.write_positions(li, row_idx, prow, k[:, :, 0], v[:, :, 0])
            h = self._out(layer.self_attn, self._self_attend(li, q, prow, rows, length, self_mask), r)
            h = self._cross_ffn(layer, li, h, slice(0, rows), xmask, self.xlen[:rows])
        h = self.final_norm(h)[:, 0]  # [2B, d]
        return torch.matmul(h.unsqueeze(0), self.heads.transpose(1, 2))

    def sample(self, batch: int, guided: torch.Tensor) -> torch.Tensor:
        """Each slot's codes [batch, codebooks] from guided logits, with its own sampling options and seed."""
        step = self.pos[:batch] + 1
        u = sampling.uniform(self.seed_lo[:batch], self.seed_hi[:batch], step, self.num_codebooks)
        return sampling.sample(guided, self.temperature[:batch], self.top_k[:batch], self.top_p[:batch], u)

    def commit(self, batch: int, sampled: torch.Tensor) -> None:
        """Feeds codes [batch, codebooks] as the step's result (prompt frames and the delay pattern's
        special cells take precedence) and advances the active slots: the decode step's last part, and
        how a measurement forces the same codes into two decoders (teacher forcing)."""
        t = self.pos[:batch, None] - self.codebook_index[None, :]  # frame of each new cell (step pos + 1)
        P = self.prompt_len[:batch, None]
        T = self.total_frames[:batch, None]
        prompt_val = self.prompt[:batch].gather(2, t.clamp(0, self.options.max_frames - 1).unsqueeze(-1)).squeeze(-1)
        new = torch.where((t >= 0) & (t < P), prompt_val, sampled)
        new = torch.where((t < 0) | (t >= T), torch.full_like(new, self.pad_id), new)
        generated = (t >= P) & (t < T)
        col = torch.where(generated, t - P, torch.full_like(t, self.options.max_frames))
        self.frames[:batch].scatter_(2, col.unsqueeze(-1), new.to(torch.int32).unsqueeze(-1))
        act = self.active[:batch]
        self.tokens[:batch] = torch.where(act[:, None], new, self.tokens[:batch])
        self.pos[:batch] += act.to(torch.int64)

    # -- layer pieces ----------------------------------------------------------------------------
    def _self_attend(self, li: int, q, prow, rows: int, length: int, self_mask) -> torch.Tensor:
        """One step's self-attention of rows 0..rows-1 (q [rows, H, 1, hd]) over their cache."""
        if self.options.attention == "triton":
            ks, vs = self.cache.scales(li)
            c = self.cache
            out = decode_attention.decode_attention(
                q[:, :, 0], c.k[li], c.v[li], prow + 1, self.scale, length, k_scale=ks, v_scale=vs
            )
            return out.unsqueeze(2)
        k, v = self.cache.dense(li, rows, length)
        return attend(q, k, v, self_mask, self.scale)

    def _embed(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.embed[0](tokens[..., 0])
        for k in range(1, self.num_codebooks):
            x = x + self.embed[k](tokens[..., k])
        return x * self.embed_scale if self.embed_scale != 1.0 else x

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        b, n, _ = x.shape
        return x.view(b, n, self.num_heads, self.head_dim).transpose(1, 2)

    def _qkv(self, attn, h: torch.Tensor):
        qkv = F.linear(h, self.qkv_weight[id(attn)], self.qkv_bias[id(attn)])
        d = self.hidden
        return self._split(qkv[..., :d]), self._split(qkv[..., d : 2 * d]), self._split(qkv[..., 2 * d :])

    def _out(self, attn, o: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        b, _, n, _ = o.shape
        return _linear_add(o.transpose(1, 2).reshape(b, n, self.hidden), attn.out_proj, residual)

    def _cross_ffn(self, layer, li: int, h: torch.Tensor, rows, xmask: torch.Tensor, xlen=None) -> torch.Tensor:
        """Cross-attention and feed-forward of one layer. A decode step (one query per row) passes its rows'
        text lengths ``xlen``: with the ``triton`` attention each row then reads only its own text."""
        q = self._split(layer.encoder_attn.q_proj(layer.encoder_attn_layer_norm(h)))
        if xlen is not None and self.options.attention == "triton":
            xk, xv = self.xk[li], self.xv[li]
            o = decode_attention.decode_attention(q[:, :, 0], xk, xv, xlen, self.scale, xk.shape[2]).unsqueeze(2)
        else:
            o = attend(q, self.xk[li, rows], self.xv[li, rows], xmask, self.scale)
        h = self._out(layer.encoder_attn, o, h)
        return _linear_add(layer.activation_fn(layer.fc1(layer.final_layer_norm(h))), layer.fc2, h)

    # -- snapshot for graph warm-up --------------------------------------------------------------
    def snapshot(self) -> List[torch.Tensor]:
        return [self.tokens.clone(), self.pos.clone()]

    def restore(self, snap: List[torch.Tensor]) -> None:
        self.tokens.copy_(snap[0])
        self.pos.copy_(snap[1])


def _linear_add(x: torch.Tensor, linear, residual: torch.Tensor) -> torch.Tensor:
    """residual + linear(x) as one GEMM (addmm) when the layer has no bias, as MusicGen's have none."""
    if linear.bias is not None:
        return residual + linear(x)
    out = torch.addmm(residual.reshape(-1, residual.shape[-1]), x.reshape(-1, x.shape[-1]), linear.weight.t())
    return out.view(residual.shape)


def _twice(x: torch.Tensor) -> torch.Tensor:
    """Repeats each row twice ([a, b] -> [a, a, b, b]) without a host sync (capture-safe)."""
    return x.unsqueeze(1).expand(x.shape[0], 2, *x.shape[1:]).reshape(2 * x.shape[0], *x.shape[1:])


def delayed_steps(prompt_codes: Optional[np.ndarray], num_codebooks: int, pad_id: int) -> np.ndarray:
    """Steps 0..P of the delay pattern for a prompt [K, P] (or none): int64 [P + 1, K]."""
    P = 0 if prompt_codes is None else prompt_codes.shape[1]
    steps = np.full((P + 1, num_codebooks), pad_id, dtype=np.int64)
    for k in range(num_codebooks):
        for s in range(1 + k, P + 1):
            steps[s, k] = prompt_codes[k, s - 1 - k]
    return steps
