"""The two-part step model: it reproduces its H200 calibration and gives the documented predictions."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))

import gpu_model  # noqa: E402


def test_calibration_points_are_reproduced():
    model = gpu_model.StepModel.calibrate()
    for prompts, length, ms in gpu_model.CALIBRATION:
        assert abs(model.step_ms("H200", prompts, length) - ms) < 1e-9


def test_kv_bytes_per_position_fp16_and_fp8():
    assert gpu_model.position_bytes("auto") == 2 * 48 * 24 * 128  # 295 KB per row and position
    assert gpu_model.position_bytes("fp8") == 2 * 48 * 24 * 68


def test_slots_match_the_loaders_rule_and_fp8_holds_at_least_1_8_times_more():
    assert gpu_model.slots("L40S") == 34  # as test_model_py's auto_slots for an L40S with 6 GiB reserved
    assert gpu_model.slots("L40S", "fp8") >= 1.8 * gpu_model.slots("L40S")


def test_the_table_in_docs_performance():
    assert gpu_model.table(gpu_model.StepModel.calibrate()) == "\n".join(
        [
            "| GPU | KV cache | slots (30 s) | 1 prompt | full slots | ms per step (1 / full) |",
            "|---|---|---|---|---|---|",
            "| H200 | fp16 | 64 | 4.51 | 97.7 | 4.4 / 13.1 |",
            "| H200 | fp8 (e4m3) | 64 | 4.57 | 131.6 | 4.4 / 9.7 |",
            "| L40S | fp16 | 34 | 2.19 | 22.3 | 9.1 / 30.6 |",
            "| L40S | fp8 (e4m3) | 63 | 2.27 | 40.7 | 8.8 / 31.0 |",
        ]
    )
