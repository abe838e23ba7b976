"""infra/bench/gpu_throughput.py: the table the batch's --dry-run plans with, written from benchmark results."""

import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "bench", "gpu_throughput.py")
SHIPPED = os.path.join(HERE, "..", "..", "..", "apps", "batch", "src", "plan", "gpu-throughput.json")


def run(*args):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=60)


def test_record_replaces_the_gpu_entry_and_keeps_its_price_and_the_others(tmp_path):
    table = tmp_path / "gpu-throughput.json"
    shutil.copy(SHIPPED, table)
    results = tmp_path / "results.json"
    results.write_text(
        json.dumps(
            {
                "engine": [
                    {"concurrency": 1, "seconds_per_prompt": 30.0, "audio_s_per_s": 1.5},
                    {"concurrency": 40, "seconds_per_prompt": 30.0, "audio_s_per_s": 15.25},
                    {"concurrency": 40, "seconds_per_prompt": 8.0, "audio_s_per_s": 20.0},
                ]
            }
        )
    )
    proc = run("record", str(results), "--gpu", "NVIDIA L40S", "--slots", "44", "--table", str(table))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(table.read_text())
    l40s = next(g for g in data["gpus"] if g["gpu"] == "L40S")
    assert {k: v for k, v in l40s.items() if k != "source"} == {
        "gpu": "L40S",
        "slots": 44,
        "points": [{"concurrent": 1, "audio_s_per_s": 1.5}, {"concurrent": 40, "audio_s_per_s": 15.25}],
        "price_per_hour_usd": 0.86,
    }
    assert l40s["source"].startswith("measured ")
    assert [g["gpu"] for g in data["gpus"]] == ["H200", "L40S"]
    assert data["startup_s"] == 300


def test_predict_scales_the_measurement_by_the_step_model_and_caps_at_the_slots(tmp_path):
    table = tmp_path / "gpu-throughput.json"
    shutil.copy(SHIPPED, table)
    proc = run("predict", "--gpu", "NVIDIA L40S", "--from", "H200", "--table", str(table))
    assert proc.returncode == 0, proc.stderr
    l40s = next(g for g in json.loads(table.read_text())["gpus"] if g["gpu"] == "L40S")
    # gpu_model.py: 34 slots of 30 s fit an L40S with an fp16 KV cache. One prompt: the H200's 4.45
    # measured x 2.19 / 4.51 modelled (most of a one-prompt step is the fixed part, not bytes).
    assert (l40s["slots"], l40s["points"]) == (
        34,
        [
            {"concurrent": 1, "audio_s_per_s": 2.16},
            {"concurrent": 8, "audio_s_per_s": 11.56},
            {"concurrent": 32, "audio_s_per_s": 21.25},
            {"concurrent": 34, "audio_s_per_s": 21.4},
        ],
    )
    assert l40s["source"] == "predicted from the H200 measurement by infra/bench/gpu_model.py, 34 slots"
    # the shipped table is exactly what the script predicts
    assert l40s == next(g for g in json.loads(open(SHIPPED).read())["gpus"] if g["gpu"] == "L40S")


def test_predict_refuses_a_gpu_the_step_model_does_not_know(tmp_path):
    table = tmp_path / "gpu-throughput.json"
    shutil.copy(SHIPPED, table)
    proc = run("predict", "--gpu", "A100", "--from", "H200", "--table", str(table))
    assert (proc.returncode, proc.stderr) == (
        2,
        "gpu_throughput: Cannot predict with A100 as gpu_model.py knows only H200, L40S: add its datasheet figures\n",
    )


def test_a_smoke_result_is_refused_in_one_line(tmp_path):
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"engine": [{"concurrency": 1, "seconds_per_prompt": 0.2, "audio_s_per_s": 1.5}]}))
    proc = run("record", str(results), "--gpu", "cpu", "--table", str(tmp_path / "t.json"))
    assert (proc.returncode, proc.stderr) == (
        2,
        "gpu_throughput: Cannot record the throughput of cpu as results.json has no engine run of 30 s prompts: "
        "run bench_musicgen.py without --smoke\n",
    )
