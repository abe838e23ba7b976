"""Facts files written by model instances and collected for musicgen_info (contract v1.1 to v1.3)."""

import json
import os

import pytest

from musicgen_serving import facts
from musicgen_serving.checkpoint import Checkpoint

HUB = Checkpoint("facebook/musicgen-medium", "/hf/snapshots/abc123", "abc123", from_hub=True)
LOCAL = Checkpoint("/models/tiny", "/models/tiny", None, config={"musicgen_random_weights": True})


def lm(slots, device="cuda:0"):
    return facts.lm_facts(
        HUB,
        device=device,
        dtypes={"text_encoder": "float16", "decoder": "float16"},
        max_concurrent_requests=slots,
        max_queue_size=256,
        max_text_tokens=64,
        max_total_frames=1500,
    )


def test_facts_builders():
    assert lm(40) == {
        "model_id": "facebook/musicgen-medium",
        "source": "/hf/snapshots/abc123",
        "revision": "abc123",
        "weights": "pretrained",
        "device": "cuda:0",
        "dtypes": {"text_encoder": "float16", "decoder": "float16"},
        "max_concurrent_requests": 40,
        "max_queue_size": 256,
        "max_text_tokens": 64,
        "max_total_frames": 1500,
    }
    check = {"finite": True, "non_finite": 0, "max_abs": 0.42, "prompts": 3, "dtype": "float16"}
    with_proof = facts.lm_facts(
        HUB,
        "cuda:0",
        {"decoder": "float16"},
        files={"config.json": "ab12"},
        text_encoder_check=check,
        max_text_tokens=64,
    )
    assert with_proof == {
        "model_id": "facebook/musicgen-medium",
        "source": "/hf/snapshots/abc123",
        "revision": "abc123",
        "weights": "pretrained",
        "device": "cuda:0",
        "dtypes": {"decoder": "float16"},
        "max_text_tokens": 64,
        "files": {"config.json": "ab12"},
        "text_encoder_check": check,
    }
    assert facts.decode_facts(LOCAL, device="cpu", dtype="float32", max_frames=1500, max_batch_size=4) == {
        "model_id": "/models/tiny",
        "source": "/models/tiny",
        "revision": None,
        "weights": "random",
        "device": "cpu",
        "dtypes": {"encodec": "float32"},
        "max_frames": 1500,
        "max_batch_size": 4,
    }


def test_collect_merges_instances_of_this_server_only(facts_root):
    me = facts.server_pid()
    a = facts.write_facts("musicgen_lm", "musicgen_lm_0_0", lm(40, "cuda:0"))
    facts.write_facts("musicgen_lm", "musicgen_lm_0_1", lm(24, "cuda:1"))
    dec = facts.write_facts("encodec_decode", "encodec_decode_0", facts.decode_facts(LOCAL, "cpu", "float32", 1500, 4))
    facts.write_facts("musicgen_lm", "musicgen_lm_0_0", lm(8), pid=os.getpid())  # another server
    assert a == str(facts_root / "musicgen-facts" / str(me) / "musicgen_lm.musicgen_lm_0_0.json")
    assert sorted(os.listdir(os.path.dirname(a))) == [
        "encodec_decode.encodec_decode_0.json",
        "musicgen_lm.musicgen_lm_0_0.json",
        "musicgen_lm.musicgen_lm_0_1.json",
    ]  # no temporary files left behind

    got = facts.collect_facts()
    assert json.loads(json.dumps(got)) == got
    assert got == {
        "contract": "1.3",
        "models": {
            "encodec_decode": {"instances": 1, **facts.decode_facts(LOCAL, "cpu", "float32", 1500, 4)},
            "musicgen_lm": {"instances": 2, **lm(64, "cuda:0,cuda:1")},
        },
    }
    facts.remove_facts(dec)
    assert list(facts.collect_facts()["models"]) == ["musicgen_lm"]


def test_nothing_written_means_no_models(facts_root):
    assert facts.collect_facts() == {"contract": "1.3", "models": {}}
    path = facts.write_facts("musicgen_lm", "musicgen_lm_0", lm(4))
    facts.remove_facts(path)
    assert not os.path.exists(os.path.dirname(path))  # the last file takes its server's directory along
    facts.remove_facts(path)  # twice is harmless
    facts.remove_facts(None)
    assert facts.collect_facts() == {"contract": "1.3", "models": {}}


def test_files_of_an_earlier_server_with_the_same_pid_are_ignored(facts_root):
    path = facts.write_facts("musicgen_lm", "musicgen_lm_0", lm(4))
    with open(path) as f:
        doc = json.load(f)
    assert doc["server_start"] == facts.process_start(facts.server_pid()) and doc["server_start"].isdigit()
    doc["server_start"] = "1"  # a crashed server that had this pid long ago
    with open(path, "w") as f:
        json.dump(doc, f)
    assert facts.collect_facts()["models"] == {}


def test_process_start_of_a_missing_process_is_none():
    assert facts.process_start(2**22 + 7) is None  # above Linux's pid_max


@pytest.mark.parametrize(
    "instances, merged",
    [
        ([{"device": "cpu", "max_frames": 1500}], {"instances": 1, "device": "cpu", "max_frames": 1500}),
        (
            [{"device": "cuda:0", "max_concurrent_requests": 3}, {"device": "cuda:0", "max_concurrent_requests": 5}],
            {"instances": 2, "device": "cuda:0", "max_concurrent_requests": 8},
        ),
    ],
)
def test_merge_instances(instances, merged):
    assert facts.merge_instances(instances) == merged


def test_an_unwritable_directory_is_explained(facts_root):
    (facts_root / "musicgen-facts").write_text("a file where the directory should be")
    with pytest.raises(RuntimeError) as err:
        facts.write_facts("encodec_decode", "encodec_decode_0", {})
    directory = facts.facts_dir()
    assert str(err.value) == (
        f"Cannot publish encodec_decode's facts as {directory!r} is not writable (point TMPDIR at a writable "
        f"directory): [Errno 20] Not a directory: '{directory}'"
    )
