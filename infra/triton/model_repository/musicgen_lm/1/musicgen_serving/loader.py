"""Loads a transformers MusicGen checkpoint and builds the serving engine around it."""

from __future__ import annotations

import os
from typing import Callable, Optional

import torch

from .config import AUTO_MAX_SLOTS, ServingConfig
from .decoder import DecoderOptions, StaticCacheDecoder
from .engine import Engine
from .graphs import StepRunner
from .scheduler import Scheduler


def torch_dtype(name: str, device: torch.device) -> torch.dtype:
    if device.type != "cuda":
        return torch.float32
    return {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32}[name]


def load_musicgen(model_id: str, dtype: torch.dtype, device: torch.device, local_files_only: bool = False):
    """Returns (model, tokenizer) from a local directory or the Hugging Face cache / hub.

    Only the text encoder, its projection and the LM decoder are kept on ``device``; EnCodec is
    served by ``encodec_decode`` and dropped here.
    """
    import transformers
    from transformers import AutoTokenizer, MusicgenForConditionalGeneration

    kwargs = {"local_files_only": local_files_only or os.path.isdir(model_id)}
    major = int(transformers.__version__.split(".")[0])
    kwargs["dtype" if major >= 5 else "torch_dtype"] = dtype
    model = MusicgenForConditionalGeneration.from_pretrained(model_id, **kwargs)
    tokenizer = AutoTokenizer.from_pretrained(model_id, local_files_only=kwargs["local_files_only"])
    model.audio_encoder = None
    model.eval()
    model.text_encoder.to(device=device, dtype=dtype)
    model.decoder.to(device=device, dtype=dtype)
    if getattr(model, "enc_to_dec_proj", None) is not None:
        model.enc_to_dec_proj.to(device=device, dtype=dtype)
    return model, tokenizer


def slot_bytes(model, options: DecoderOptions, dtype: torch.dtype) -> int:
    """Device bytes one slot needs: self-attention K/V for 2 rows plus cross-attention K/V."""
    cfg = model.decoder.config
    per_position = 2 * 2 * cfg.num_hidden_layers * cfg.hidden_size * torch.finfo(dtype).bits // 8
    return per_position * (options.max_len + options.max_text_tokens)


def auto_slots(free_bytes: int, per_slot: int, cap: int = AUTO_MAX_SLOTS) -> int:
    """Slots that fit in free memory after keeping 10% + 2 GiB for activations, graphs and the allocator."""
    budget = free_bytes * 0.9 - 2 * 2**30
    return int(max(1, min(cap, budget // per_slot)))


def resolve_slots(model, cfg: ServingConfig, device: torch.device, dtype: torch.dtype) -> int:
    if cfg.max_concurrent_requests > 0:
        return cfg.max_concurrent_requests
    if device.type != "cuda":
        return 8
    free, _ = torch.cuda.mem_get_info(device)
    options = DecoderOptions(max_text_tokens=cfg.max_text_tokens, kv_block=cfg.kv_block)
    return auto_slots(free, slot_bytes(model, options, dtype))


def build_engine(model, tokenizer, cfg: ServingConfig, log: Optional[Callable[[str], None]] = None) -> Engine:
    """Wraps a loaded model in decoder, graph runner, scheduler and engine (not started)."""
    p = model.decoder.lm_heads[0].weight
    slots = resolve_slots(model, cfg, p.device, p.dtype)
    options = DecoderOptions(max_slots=slots, max_text_tokens=cfg.max_text_tokens, kv_block=cfg.kv_block)
    decoder = StaticCacheDecoder(model, tokenizer, options)
    runner = StepRunner(decoder, cfg.batch_buckets, use_graphs=cfg.cuda_graphs)
    if cfg.capture_graphs_at_start:
        runner.capture_all()
    scheduler = Scheduler(slots, cfg.max_queue_size, cfg.progress_interval_frames)
    return Engine(decoder, runner, scheduler, log=log)


def engine_from_config(cfg: ServingConfig, device: torch.device, log=None) -> Engine:
    model, tokenizer = load_musicgen(
        cfg.resolved_model_id, torch_dtype(cfg.dtype, device), device, cfg.hf_local_files_only
    )
    return build_engine(model, tokenizer, cfg, log=log)
