"""Loads a transformers MusicGen checkpoint and builds the serving engine around it."""

from __future__ import annotations

import os
from typing import Callable, Optional

import torch

from .config import ServingConfig
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


def build_engine(model, tokenizer, cfg: ServingConfig, log: Optional[Callable[[str], None]] = None) -> Engine:
    """Wraps a loaded model in decoder, graph runner, scheduler and engine (not started)."""
    options = DecoderOptions(
        max_slots=cfg.max_concurrent_requests, max_text_tokens=cfg.max_text_tokens, kv_block=cfg.kv_block
    )
    decoder = StaticCacheDecoder(model, tokenizer, options)
    runner = StepRunner(decoder, cfg.batch_buckets, use_graphs=cfg.cuda_graphs)
    if cfg.capture_graphs_at_start:
        runner.capture_all()
    scheduler = Scheduler(cfg.max_concurrent_requests, cfg.max_queue_size, cfg.progress_interval_frames)
    return Engine(decoder, runner, scheduler, log=log)


def engine_from_config(cfg: ServingConfig, device: torch.device, log=None) -> Engine:
    model, tokenizer = load_musicgen(
        cfg.resolved_model_id, torch_dtype(cfg.dtype, device), device, cfg.hf_local_files_only
    )
    return build_engine(model, tokenizer, cfg, log=log)
