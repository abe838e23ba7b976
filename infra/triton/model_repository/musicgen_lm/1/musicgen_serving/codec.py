"""The EnCodec part of a MusicGen checkpoint, loaded on its own, decoding codes to 32 kHz audio.

``encodec_decode`` builds ``EncodecModel`` from the checkpoint's ``audio_encoder`` configuration and
reads only the ``audio_encoder.decoder.*`` and ``audio_encoder.quantizer.*`` tensors (the encoder,
the T5 text encoder and the language model are never loaded). Weight norm is folded into plain
weights in float32 before the cast to the serving dtype. Decoding is transformers'
``EncodecModel.decode(codes[None], [None])``: the single-chunk, no-scale path MusicGen takes.
"""

from __future__ import annotations

import math
from typing import Dict, Mapping

import numpy as np
import torch

from .checkpoint import Checkpoint, load_tensors
from .request import CODEBOOK_SIZE, NUM_CODEBOOKS, SAMPLE_RATE, SAMPLES_PER_FRAME

_PREFIX = "audio_encoder."
_PARTS = ("decoder.", "quantizer.")  # what decoding needs
_WEIGHT_NORM_NAMES = {  # torch < 2.1 names <-> parametrization names, as transformers maps them
    "weight_g": "parametrizations.weight.original0",
    "weight_v": "parametrizations.weight.original1",
}


def check_codec(codec: Mapping[str, object], model_name: str = "encodec_decode") -> None:
    """Refuses a codec whose audio the contract cannot carry (hop 640, 32 kHz, mono, 4 x 2048 codes)."""
    ratios = list(codec.get("upsampling_ratios") or [])
    hop = math.prod(int(r) for r in ratios)
    facts = [
        (f"frame hop must be {SAMPLES_PER_FRAME} samples", hop, SAMPLES_PER_FRAME),
        (f"sample rate must be {SAMPLE_RATE} Hz", codec.get("sampling_rate"), SAMPLE_RATE),
        ("audio must be mono (1 channel)", codec.get("audio_channels"), 1),
        (f"codebook size must be {CODEBOOK_SIZE}", codec.get("codebook_size"), CODEBOOK_SIZE),
    ]
    for what, value, wanted in facts:
        if value != wanted:
            raise ValueError(f"Cannot load {model_name} as the checkpoint's codec {what}: current value is {value}")
    quantizers = _num_quantizers(codec)
    if quantizers < NUM_CODEBOOKS:
        raise ValueError(
            f"Cannot load {model_name} as the checkpoint's codec must have at least {NUM_CODEBOOKS} codebooks: "
            f"current value is {quantizers}"
        )


def _num_quantizers(codec: Mapping[str, object]) -> int:
    frame_rate = math.ceil(int(codec["sampling_rate"]) / math.prod(int(r) for r in codec["upsampling_ratios"]))
    return int(1000 * float(list(codec["target_bandwidths"])[-1]) // (frame_rate * 10))


def match_weight_norm_names(state: Mapping[str, torch.Tensor], expected: set) -> Dict[str, torch.Tensor]:
    """Renames weight-norm tensors between ``weight_g``/``weight_v`` and ``parametrizations.weight.original0/1``
    to whichever spelling the model (``expected`` keys) uses; other names are kept."""
    out = {}
    for name, tensor in state.items():
        if name not in expected:
            for old, new in _WEIGHT_NORM_NAMES.items():
                for a, b in ((old, new), (new, old)):
                    if name.endswith("." + a) and name[: -len(a)] + b in expected:
                        name = name[: -len(a)] + b
        out[name] = tensor
    return out


def fold_weight_norm(module: torch.nn.Module) -> None:
    """Replaces every weight-norm reparametrisation under ``module`` by the plain weight it computes."""
    parametrize = getattr(torch.nn.utils, "parametrize", None)
    for sub in module.modules():
        if parametrize is not None and parametrize.is_parametrized(sub, "weight"):
            parametrize.remove_parametrizations(sub, "weight", leave_parametrized=True)
        elif hasattr(sub, "weight_g") and hasattr(sub, "weight_v"):
            torch.nn.utils.remove_weight_norm(sub)


def load_codec(ck: Checkpoint, device: torch.device, dtype: torch.dtype, model_name: str = "encodec_decode"):
    """``EncodecModel`` of the checkpoint with its decoder and quantizer only, in eval mode on ``device``."""
    from transformers import EncodecConfig, EncodecModel

    codec_cfg = ck.config.get("audio_encoder")
    if not isinstance(codec_cfg, dict):
        raise ValueError(
            f"Cannot load {model_name} as the checkpoint's config.json has no 'audio_encoder' section: "
            f"current value is {ck.source!r}"
        )
    check_codec(codec_cfg, model_name)
    model = EncodecModel(EncodecConfig.from_dict(codec_cfg))
    model.encoder = None  # decoding never uses it
    state = {name[len(_PREFIX) :]: t for name, t in load_tensors(ck, [_PREFIX + p for p in _PARTS], model_name).items()}
    expected = set(model.state_dict())
    missing, unexpected = model.load_state_dict(match_weight_norm_names(state, expected), strict=False)
    if missing or unexpected:
        raise ValueError(
            f"Cannot load {model_name} as the checkpoint's codec tensors do not match its configuration: "
            f"current value is missing {sorted(missing)[:4]}, unexpected {sorted(unexpected)[:4]}"
        )
    model.eval()
    fold_weight_norm(model)
    return model.to(device=device, dtype=dtype)


class CodecDecoder:
    """Decodes codes ``[B, 4, T]`` to audio ``[B, T * 640]`` (float32 numpy) in one batched call.

    Example::

        decoder = CodecDecoder(load_codec(locate("medium"), torch.device("cuda", 0), torch.float32))
        audio = decoder.decode(np.zeros((2, 4, 50), np.int64))   # shape (2, 32000)
    """

    def __init__(self, model) -> None:
        self.model = model
        p = next(model.decoder.parameters())
        self.device, self.dtype = p.device, p.dtype

    def decode(self, codes: np.ndarray) -> np.ndarray:
        rows, _, frames = codes.shape
        with torch.inference_mode():
            c = torch.as_tensor(np.ascontiguousarray(codes), dtype=torch.long).to(self.device)
            audio = self.model.decode(c[None], [None], return_dict=False)[0]
            audio = audio[:, 0, :].float().cpu().numpy()
        if audio.shape != (rows, frames * SAMPLES_PER_FRAME):
            raise RuntimeError(
                f"Cannot decode as the codec returned audio of the wrong shape: current value is {list(audio.shape)} "
                f"for {frames} frames"
            )
        return audio
