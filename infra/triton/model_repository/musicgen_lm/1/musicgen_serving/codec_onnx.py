"""The EnCodec decoder as an ONNX graph (for a TensorRT engine): codes ``[B, 4, T]`` to audio ``[B, 1, T * 640]``.

    python -m musicgen_serving.codec_onnx medium encodec_decoder.onnx      # then infra/triton/tensorrt/

Input ``codes`` INT64 ``[batch, 4, frames]`` (0..2047), output ``audio`` FLOAT ``[batch, 1, frames * 640]``;
batch and frames are dynamic. The graph computes what ``encodec_decode`` serves: the codec loaded by
:func:`musicgen_serving.codec.load_codec` (decoder and quantizer only, weight norm folded into plain
weights) and decoded by ``EncodecModel.decode(codes[None], [None])``, in float32 (TensorRT picks fp16).

Why the decoder is walked here layer by layer rather than exported as transformers wrote it: with
``torch.onnx.export(dynamo=True)`` (torch 2.11) transformers' modules fail twice.

- ``EncodecConv1d`` computes its padding from tensor buffers and branches on it (``if length <=
  max_pad``, reflect padding of a short input): torch.export refuses the data-dependent guard. Here the
  padding is computed from Python ints; where an input can be that short (the first convolution, on T),
  transformers' rule (append zeros, reflect, cut them off) is written as one gather, exact for every T.
- ``nn.LSTM``'s decomposition, run to infer shapes, loops over the time steps and fixes T to the
  example's length; the exporter then writes a graph for that T only, without an error. Here the LSTM is
  a custom op that becomes one ONNX ``LSTM`` node per layer.

The legacy TorchScript exporter (``dynamo=False``) keeps ``nn.LSTM`` dynamic but bakes the padding
branch for the example's T (ONNX Runtime then refuses T <= 3), and it is deprecated since torch 2.9.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import time
import warnings
from typing import List

import torch
import torch.nn.functional as F
from transformers.models.encodec import modeling_encodec as me

from .request import NUM_CODEBOOKS, SAMPLES_PER_FRAME

ONNX_OPSET = 18
INPUT_NAME, OUTPUT_NAME = "codes", "audio"
_EXAMPLE_ROWS, _EXAMPLE_FRAMES = 2, 50
_KNOWN_LAYERS = (me.EncodecConv1d, me.EncodecResnetBlock, me.EncodecLSTM, me.EncodecConvTranspose1d, torch.nn.ELU)
_LSTM_PARAMETERS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
_TO_ONNX_GATES, _TO_TORCH_GATES = [0, 3, 1, 2], [0, 2, 3, 1]  # torch's i f g o <-> ONNX's i o f c


def _gates(w: torch.Tensor, order: List[int], axis: int) -> torch.Tensor:
    chunks = w.chunk(4, dim=axis)
    return torch.cat([chunks[k] for k in order], dim=axis)


def onnx_lstm_weights(lstm: torch.nn.LSTM) -> List[torch.Tensor]:
    """Per layer of a forward ``nn.LSTM`` with biases: ONNX ``LSTM``'s ``W`` ``[1, 4H, C]``, ``R`` ``[1, 4H, H]``
    and ``B`` ``[1, 8H]``, gates in ONNX's order (i, o, f, c)."""
    out = []
    for k in range(lstm.num_layers):
        w_ih, w_hh, b_ih, b_hh = (getattr(lstm, f"{kind}_l{k}").detach() for kind in _LSTM_PARAMETERS)
        bias = torch.cat([_gates(b_ih, _TO_ONNX_GATES, 0), _gates(b_hh, _TO_ONNX_GATES, 0)])
        out += [_gates(w_ih, _TO_ONNX_GATES, 0)[None], _gates(w_hh, _TO_ONNX_GATES, 0)[None], bias[None]]
    return out


@torch.library.custom_op("musicgen_serving::encodec_lstm", mutates_args=())
def encodec_lstm(x: torch.Tensor, weights: List[torch.Tensor]) -> torch.Tensor:
    """``nn.LSTM`` output (no initial state) for ``x`` ``[T, B, C]``, from :func:`onnx_lstm_weights`."""
    params = []
    for w, r, b in zip(weights[0::3], weights[1::3], weights[2::3]):
        b_ih, b_hh = b[0].chunk(2)
        params += [_gates(t, _TO_TORCH_GATES, 0) for t in (w[0], r[0], b_ih, b_hh)]
    zeros = x.new_zeros(len(weights) // 3, x.shape[1], weights[1].shape[2])
    return torch.lstm(x, (zeros, zeros), params, True, len(weights) // 3, 0.0, False, False, False)[0]


@encodec_lstm.register_fake
def _(x, weights):
    return x.new_empty(x.shape[0], x.shape[1], weights[1].shape[2])


def _onnx_lstm(x, weights):
    """ONNX translation of :func:`encodec_lstm`: one ``LSTM`` node per layer."""
    from onnxscript import opset18 as op

    for w, r, b in zip(weights[0::3], weights[1::3], weights[2::3]):
        y, _, _ = op.LSTM(x, w, r, b, hidden_size=r.shape[2])
        x = op.Squeeze(y, [1])  # [T, directions = 1, B, H] -> [T, B, H]
    return x


def reflect_pad(x: torch.Tensor, left: int, right: int) -> torch.Tensor:
    """``F.pad(x, (left, right), "reflect")`` on the last axis the way transformers' ``EncodecConv1d`` pads:
    an input not longer than the padding first gets zeros appended (cut off again after reflecting).

    Written as one gather over positions so that it holds for any length without a branch on it.
    """
    length = x.shape[-1]
    extended = torch.sym_max(length, max(left, right) + 1)  # the length after the appended zeros
    q = torch.arange(-left, length + right, device=x.device)
    source = torch.where(q < 0, -q, torch.where(q < extended, q, 2 * (extended - 1) - q))
    picked = x.index_select(-1, source.clamp(max=length - 1))
    return torch.where(source < length, picked, torch.zeros((), dtype=x.dtype, device=x.device))


class DecoderGraph(torch.nn.Module):
    """codes ``[B, 4, T]`` int64 -> audio ``[B, 1, T * 640]``: ``EncodecModel.decode``'s single-chunk path,
    written so that ``torch.export`` keeps B and T dynamic (see the module docstring). Shares the codec's
    weights. Raises ``ValueError`` for a decoder layer it does not know.

    Example::

        graph = DecoderGraph(load_codec(locate("medium"), torch.device("cpu"), torch.float32))
        audio = graph(torch.zeros(1, 4, 50, dtype=torch.long))   # shape (1, 1, 32000)
    """

    def __init__(self, codec) -> None:
        super().__init__()
        self.quantizer = codec.quantizer
        self.layers = codec.decoder.layers
        self.plan = []  # per layer: the shortest input it can get (in samples, for T = 1)
        self.lstm_tensors = {}  # layer index -> how many onnx_lstm_weights buffers (lstm{index}_{k})
        shortest = 1
        for index, layer in enumerate(self.layers):
            if not isinstance(layer, _KNOWN_LAYERS):
                raise ValueError(
                    f"Cannot export the EnCodec decoder as layer {index} is of a kind this exporter does not know: "
                    f"current value is {type(layer).__name__}"
                )
            convs = [layer] if isinstance(layer, me.EncodecConv1d) else []
            if isinstance(layer, me.EncodecResnetBlock):
                convs = [m for m in [*layer.block, layer.shortcut] if isinstance(m, me.EncodecConv1d)]
            for conv in convs:
                if conv.conv.stride[0] != 1:
                    raise ValueError(
                        f"Cannot export the EnCodec decoder as its convolutions must have stride 1: "
                        f"current value is {conv.conv.stride[0]} in layer {index}"
                    )
            if isinstance(layer, me.EncodecLSTM):
                weights = onnx_lstm_weights(layer.lstm)
                for k, tensor in enumerate(weights):
                    self.register_buffer(f"lstm{index}_{k}", tensor, persistent=False)
                self.lstm_tensors[index] = len(weights)
            self.plan.append(shortest)
            if isinstance(layer, me.EncodecConvTranspose1d):
                shortest *= layer.conv.stride[0]

    def _conv(self, layer, x: torch.Tensor, shortest: int) -> torch.Tensor:
        conv = layer.conv
        total = (conv.kernel_size[0] - 1) * conv.dilation[0]  # kernel_size - stride, stride 1: no extra padding
        right = 0 if layer.causal else total // 2
        left = total - right
        if layer.pad_mode == "reflect" and shortest <= max(left, right):
            x = reflect_pad(x, left, right)
        else:
            x = F.pad(x, (left, right), mode=layer.pad_mode)
        x = conv(x)
        return layer.norm(x) if layer.norm_type == "time_group_norm" else x

    def _lstm(self, index: int, x: torch.Tensor) -> torch.Tensor:
        weights = [getattr(self, f"lstm{index}_{k}") for k in range(self.lstm_tensors[index])]
        h = x.permute(2, 0, 1)
        return (encodec_lstm(h, weights) + h).permute(1, 2, 0)

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        x = self.quantizer.decode(codes.transpose(0, 1))
        for index, (layer, shortest) in enumerate(zip(self.layers, self.plan)):
            if isinstance(layer, me.EncodecConv1d):
                x = self._conv(layer, x, shortest)
            elif isinstance(layer, me.EncodecResnetBlock):
                h = x
                for sub in layer.block:
                    h = self._conv(sub, h, shortest) if isinstance(sub, me.EncodecConv1d) else sub(h)
                skip = layer.shortcut
                x = (self._conv(skip, x, shortest) if isinstance(skip, me.EncodecConv1d) else skip(x)) + h
            elif isinstance(layer, me.EncodecLSTM):
                x = self._lstm(index, x)
            else:  # ELU; a transposed convolution, whose trimming uses Python ints already
                x = layer(x)
        return x


def export_decoder_onnx(codec, path: str) -> None:
    """Writes the decoder of ``codec`` (an ``EncodecModel`` on the CPU in float32, as :func:`load_codec`
    returns it) to ``path`` as ONNX (opset :data:`ONNX_OPSET`, weights inside the file), replacing the file
    only once the graph is whole. Needs ``onnx`` and ``onnxscript``. Raises ``RuntimeError`` if the graph
    lost its dynamic batch or frames.
    """
    graph = DecoderGraph(codec).eval()
    example = torch.zeros(_EXAMPLE_ROWS, NUM_CODEBOOKS, _EXAMPLE_FRAMES, dtype=torch.long)
    dims = {0: torch.export.Dim("batch", min=1), 2: torch.export.Dim("frames", min=1)}
    with _quiet():
        program = _export(graph, example, dims)
    shape = [d.dim_param or d.dim_value for d in program.model_proto.graph.input[0].type.tensor_type.shape.dim]
    if not (isinstance(shape[0], str) and shape[1] == NUM_CODEBOOKS and isinstance(shape[2], str)):
        raise RuntimeError(
            f"Cannot export the EnCodec decoder as the exporter fixed its input shape: current value is {shape}"
        )
    partial = f"{path}.partial"
    try:
        program.save(partial, external_data=False)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


@contextlib.contextmanager
def _quiet():
    """Without the exporter's noise on stderr: "torchvision is not installed" log lines, torch's own
    FutureWarnings about its pytree internals."""
    log = logging.getLogger("torch.onnx")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            yield
    finally:
        log.setLevel(level)


def _export(graph, example, dims):
    return torch.onnx.export(
        graph,
        (example,),
        dynamo=True,
        input_names=[INPUT_NAME],
        output_names=[OUTPUT_NAME],
        dynamic_shapes={"codes": dims},
        opset_version=ONNX_OPSET,
        custom_translation_table={torch.ops.musicgen_serving.encodec_lstm.default: _onnx_lstm},
        verbose=False,
    )


def main(argv=None) -> int:
    from .checkpoint import locate
    from .codec import load_codec
    from .config import MODEL_ALIASES

    p = argparse.ArgumentParser(
        prog="python -m musicgen_serving.codec_onnx", description="Exports the EnCodec decoder of a checkpoint to ONNX."
    )
    p.add_argument("model_id", help="small, medium, large, a Hugging Face id, or a local checkpoint directory")
    p.add_argument("out", help="the .onnx file to write")
    p.add_argument("--local-files-only", action="store_true", help="read the Hugging Face cache only")
    args = p.parse_args(argv)
    start = time.perf_counter()
    try:
        ck = locate(MODEL_ALIASES.get(args.model_id, args.model_id), args.local_files_only, "the EnCodec decoder")
        codec = load_codec(ck, torch.device("cpu"), torch.float32, "the EnCodec decoder")
        export_decoder_onnx(codec, args.out)
    except (ValueError, RuntimeError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    summary = {"onnx": args.out, "checkpoint": ck.source, "revision": ck.revision, "weights": ck.weights}
    summary.update(opset=ONNX_OPSET, samples_per_frame=SAMPLES_PER_FRAME, seconds=round(time.perf_counter() - start, 1))
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
