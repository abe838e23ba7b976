"""Loads a transformers MusicGen checkpoint and builds the serving engine around it."""

from __future__ import annotations

import os
from typing import Callable, Optional, Tuple

import torch

from .checkpoint import Checkpoint, locate
from .config import AUTO_MAX_SLOTS, ServingConfig
from .decoder import DecoderOptions, StaticCacheDecoder
from .engine import Engine
from .graphs import StepRunner
from .kv_cache import position_bytes
from .scheduler import Scheduler


def torch_dtype(name: str, device: torch.device) -> torch.dtype:
    if device.type != "cuda":
        return torch.float32
    return {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32}[name]


def part_dtypes(cfg: ServingConfig, device: torch.device) -> Tuple[torch.dtype, torch.dtype]:
    """(text encoder dtype, LM decoder dtype) for ``cfg`` on ``device``: CPU instances run float32."""
    return torch_dtype(cfg.text_encoder_dtype, device), torch_dtype(cfg.dtype, device)


def load_musicgen(
    model_id: str,
    dtype: torch.dtype,
    device: torch.device,
    local_files_only: bool = False,
    text_dtype: Optional[torch.dtype] = None,
):
    """Returns (model, tokenizer, checkpoint) from a local directory or the Hugging Face cache / hub.

    The checkpoint is located first (:func:`checkpoint.locate`) and the weights loaded from that very
    snapshot. Only the text encoder, its projection and the LM decoder are kept on ``device``; EnCodec
    is served by ``encodec_decode`` and dropped here. The decoder runs in ``dtype``, the text encoder and
    its projection in ``text_dtype`` (default ``dtype``); weights are read in the wider of the two, so
    a float32 encoder keeps the checkpoint's own precision.
    """
    text_dtype = dtype if text_dtype is None else text_dtype
    read_dtype = text_dtype if torch.finfo(text_dtype).bits > torch.finfo(dtype).bits else dtype
    import transformers
    from transformers import AutoTokenizer, MusicgenForConditionalGeneration

    ck = locate(model_id, local_files_only, "musicgen_lm")
    kwargs = {"local_files_only": local_files_only or not ck.from_hub}
    if ck.revision is not None:
        kwargs["revision"] = ck.revision
    major = int(transformers.__version__.split(".")[0])
    model = MusicgenForConditionalGeneration.from_pretrained(
        model_id, **kwargs, **{"dtype" if major >= 5 else "torch_dtype": read_dtype}
    )
    tokenizer = AutoTokenizer.from_pretrained(model_id, **kwargs)
    model.audio_encoder = None
    model.eval()
    model.text_encoder.to(device=device, dtype=text_dtype)
    model.decoder.to(device=device, dtype=dtype)
    if getattr(model, "enc_to_dec_proj", None) is not None:
        model.enc_to_dec_proj.to(device=device, dtype=text_dtype)
    return model, tokenizer, ck


def slot_bytes(model, options: DecoderOptions, dtype: torch.dtype) -> int:
    """Device bytes one slot needs: self-attention K/V for 2 rows (in ``options.kv_cache_dtype``) plus
    cross-attention K/V (always ``dtype``)."""
    cfg = model.decoder.config
    heads = cfg.num_attention_heads
    head_dim = cfg.hidden_size // heads
    layers_rows = 2 * cfg.num_hidden_layers
    self_bytes = position_bytes(heads, head_dim, dtype, options.kv_cache_dtype) * options.max_len
    cross_bytes = position_bytes(heads, head_dim, dtype, "auto") * options.max_text_tokens
    return layers_rows * (self_bytes + cross_bytes)


def auto_slots(free_bytes: int, per_slot: int, reserve_bytes: int = 0, cap: int = AUTO_MAX_SLOTS) -> int:
    """Slots that fit in free memory after keeping 10% + 2 GiB for activations, graphs and the allocator,
    and ``reserve_bytes`` for ``encodec_decode`` on the same GPU (``reserve_decode_gib``)."""
    budget = free_bytes * 0.9 - 2 * 2**30 - reserve_bytes
    return int(max(1, min(cap, budget // per_slot)))


def resolve_slots(model, cfg: ServingConfig, device: torch.device, dtype: torch.dtype) -> int:
    if cfg.max_concurrent_requests > 0:
        return cfg.max_concurrent_requests
    if device.type != "cuda":
        return 8
    free, _ = torch.cuda.mem_get_info(device)
    options = decoder_options(cfg)
    return auto_slots(free, slot_bytes(model, options, dtype), int(cfg.reserve_decode_gib * 2**30))


def decoder_options(cfg: ServingConfig, slots: int = DecoderOptions.max_slots) -> DecoderOptions:
    """The decoder's sizes and kernels as ``cfg`` sets them."""
    return DecoderOptions(
        max_slots=slots,
        max_text_tokens=cfg.max_text_tokens,
        kv_block=cfg.kv_block,
        kv_cache_dtype=cfg.kv_cache_dtype,
        attention=cfg.decode_attention,
        fused_kernels=cfg.decode_fused_kernels,
    )


def check_attention(cfg: ServingConfig, device: torch.device) -> None:
    """Refuses ``decode_attention: triton`` where it cannot run: on CPU (outside Triton's interpreter)."""
    if cfg.decode_attention == "triton" and device.type != "cuda" and os.environ.get("TRITON_INTERPRET") != "1":
        raise ValueError(
            "Cannot load musicgen_lm as parameter 'decode_attention' 'triton' needs a CUDA GPU: "
            f"this instance runs on {device.type}; use 'sdpa'"
        )


def build_engine(model, tokenizer, cfg: ServingConfig, log: Optional[Callable[[str], None]] = None) -> Engine:
    """Wraps a loaded model in decoder, graph runner, scheduler and engine (not started)."""
    p = model.decoder.lm_heads[0].weight
    check_attention(cfg, p.device)
    slots = resolve_slots(model, cfg, p.device, p.dtype)
    options = decoder_options(cfg, slots)
    decoder = StaticCacheDecoder(model, tokenizer, options)
    runner = StepRunner(decoder, cfg.batch_buckets, use_graphs=cfg.cuda_graphs)
    if cfg.capture_graphs_at_start:
        runner.capture_all()
    scheduler = Scheduler(slots, cfg.max_queue_size, cfg.progress_interval_frames)
    return Engine(decoder, runner, scheduler, log=log, liveness_interval=cfg.liveness_interval_ms / 1000)


def engine_from_config(cfg: ServingConfig, device: torch.device, log=None) -> Tuple[Engine, Checkpoint]:
    """Loads the checkpoint ``cfg`` names and builds the engine (not started); also returns the checkpoint."""
    text_dtype, dtype = part_dtypes(cfg, device)
    model, tokenizer, ck = load_musicgen(cfg.resolved_model_id, dtype, device, cfg.hf_local_files_only, text_dtype)
    return build_engine(model, tokenizer, cfg, log=log), ck
