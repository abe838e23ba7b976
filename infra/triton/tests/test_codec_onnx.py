"""The EnCodec decoder exported to ONNX (musicgen_serving.codec_onnx), run by ONNX Runtime on CPU, against the
decoder encodec_decode serves (PyTorch, float32)."""

import numpy as np
import pytest
import torch

WHY = "the ONNX export needs onnx, onnxscript and onnxruntime (infra/triton/requirements-ci.txt)"
onnx = pytest.importorskip("onnx", reason=WHY)
pytest.importorskip("onnxscript", reason=WHY)
ort = pytest.importorskip("onnxruntime", reason=WHY)
if not hasattr(torch.library, "custom_op"):
    pytest.skip(f"the ONNX export needs torch 2.4 or newer, not {torch.__version__}", allow_module_level=True)

from transformers.models.encodec import modeling_encodec  # noqa: E402

from musicgen_serving.checkpoint import locate  # noqa: E402
from musicgen_serving.codec import CodecDecoder, load_codec  # noqa: E402
from musicgen_serving.codec_onnx import DecoderGraph, main, reflect_pad  # noqa: E402
from musicgen_serving.random_model import build_config  # noqa: E402

# Both sides compute in float32, but ONNX Runtime's kernels (MLAS) sum in another order than PyTorch's
# (oneDNN); seen: at most 1.5e-7 on audio peaking near 0.2. 1e-5 is a third of one 16-bit PCM step
# (2 ** -15 = 3.05e-5): far below what a WAV of the product can hold, far above float32 rounding.
ATOL = 1e-5


@pytest.fixture(scope="module")
def served(slim_onnx):
    return CodecDecoder(load_codec(locate(slim_onnx[0]), torch.device("cpu"), torch.float32))


@pytest.fixture(scope="module")
def session(slim_onnx):
    return ort.InferenceSession(slim_onnx[1], providers=["CPUExecutionProvider"])


def codes(rows, frames, seed=0):
    return np.random.default_rng(seed).integers(0, 2048, size=(rows, 4, frames), dtype=np.int64)


def test_the_export_reports_what_it_wrote(slim_onnx):
    checkpoint, path, summary = slim_onnx
    assert summary.pop("seconds") > 0
    assert summary == {
        "onnx": path,
        "checkpoint": checkpoint,
        "revision": None,
        "weights": "random",
        "opset": 18,
        "samples_per_frame": 640,
    }


def test_the_graph_keeps_batch_and_frames_dynamic(slim_onnx, session):
    inputs = [(i.name, i.type, i.shape) for i in session.get_inputs()]
    outputs = [(o.name, o.type, o.shape) for o in session.get_outputs()]
    assert inputs == [("codes", "tensor(int64)", ["batch", 4, "frames"])]
    assert outputs == [("audio", "tensor(float)", ["batch", 1, "640*frames"])]
    ops = [node.op_type for node in onnx.load(slim_onnx[1]).graph.node]
    assert ops.count("LSTM") == 1 and "Loop" not in ops  # tiny-32k-slim has one LSTM layer: one ONNX LSTM node


@pytest.mark.parametrize("rows, frames", [(1, 50), (2, 120), (3, 2)])  # (3, 2): shorter than the first padding
def test_onnx_runtime_matches_the_served_decoder(served, session, rows, frames):
    c = codes(rows, frames, seed=frames)
    expected = served.decode(c)
    (audio,) = session.run(None, {"codes": c})
    assert audio.shape == (rows, 1, frames * 640) and audio.dtype == np.float32
    assert np.abs(audio[:, 0] - expected).max() <= ATOL
    assert np.abs(expected[:, : 640 * 2]).max() > 0.01  # audio, not silence
    if rows > 1:
        assert np.abs(expected[0] - expected[1]).max() > 0.01  # different codes, different audio


def test_the_exported_module_equals_the_served_decoder_exactly(served):
    graph = DecoderGraph(served.model).eval()
    for rows, frames in [(1, 1), (2, 2), (1, 3), (1, 4), (2, 7)]:
        c = codes(rows, frames, seed=frames)
        with torch.inference_mode():
            audio = graph(torch.from_numpy(c))[:, 0].numpy()
        np.testing.assert_array_equal(audio, served.decode(c))


def test_reflect_pad_pads_short_inputs_as_transformers_does():
    pad1d = modeling_encodec.EncodecConv1d._pad1d
    for length in range(1, 8):
        x = torch.arange(1.0, length + 1).reshape(1, 1, length)
        for left, right in [(3, 3), (1, 1), (6, 0), (2, 1)]:
            expected = pad1d(x, (left, right), mode="reflect")
            assert torch.equal(reflect_pad(x, left, right), expected), (length, left, right)


def test_a_decoder_layer_it_does_not_know_is_refused():
    from transformers import EncodecModel

    codec = EncodecModel(build_config("tiny-32k-slim").audio_encoder)
    codec.decoder.layers[2] = torch.nn.Identity()
    with pytest.raises(ValueError) as err:
        DecoderGraph(codec)
    assert str(err.value) == (
        "Cannot export the EnCodec decoder as layer 2 is of a kind this exporter does not know: "
        "current value is Identity"
    )


def test_a_directory_without_a_checkpoint_is_refused_in_one_line(tmp_path, capsys):
    out = tmp_path / "decoder.onnx"
    assert main([str(tmp_path), str(out)]) == 2
    assert capsys.readouterr().err == (
        "Cannot load the EnCodec decoder as the checkpoint directory has no config.json: "
        f"current value is '{tmp_path}'\n"
    )
    assert not out.exists()
