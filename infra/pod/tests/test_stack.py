"""Version pins, version ranges, the venv plan (reuse the image's torch or install the pinned one), env checks."""

import json
import os

import pytest

from musicgen_pod import stack
from musicgen_pod.errors import ExitCode, PodError

PINS = stack.Pins(
    torch_version="2.11.0",
    torch_min="2.6",
    torch_max="2.12",
    transformers_version="5.17.0",
    pytriton_version="0.7.0",
    numpy_version="1.26.4",
    numpy_max="2",
    glibc_min="2.35",
    python_min="3.10",
    python_max="3.12",
)


def test_the_pins_file():
    assert stack.read_pins() == PINS


def test_pins_are_readable_by_bash(tmp_path):
    import subprocess

    out = subprocess.run(
        [
            "bash",
            "-c",
            'set -eu; source "$1"; echo "$TORCH_VERSION $TRANSFORMERS_VERSION $NVIDIA_PYTRITON_VERSION $NUMPY_VERSION"',
            "_",
            stack.PINS_FILE,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout == "2.11.0 5.17.0 0.7.0 1.26.4\n"


@pytest.mark.parametrize(
    "text,parts",
    [
        ("2.11.0+cu130", (2, 11, 0)),
        ("2.36", (2, 36)),
        ("1.13.0a0", (1, 13, 0)),
        ("2.6.0.dev20250101", (2, 6, 0)),
        ("x", ()),
    ],
)
def test_version_tuple(text, parts):
    assert stack.version_tuple(text) == parts


@pytest.mark.parametrize(
    "version,inside",
    [("2.6.0", True), ("2.8.0+cu128", True), ("2.11.0", True), ("2.11.9", True), ("2.12.0", False), ("2.5.1", False)],
)
def test_torch_range(version, inside):
    assert stack.in_range(version, PINS.torch_min, PINS.torch_max) is inside


@pytest.mark.parametrize(
    "version,ok", [("3.9.18", False), ("3.10.12", True), ("3.12.3", True), ("3.13.1", False), ("3.14.0", False)]
)
def test_python_range(version, ok):
    assert stack.python_supported(version, PINS) is ok


def test_plan_reuses_the_image_torch(tmp_path):
    prefix = str(tmp_path / "venv")
    plan, want = stack.plan_venv(prefix, "/usr/bin/python3", {"torch": "2.8.0+cu128", "numpy": "1.26.4"}, PINS, None)
    assert plan == stack.EnvPlan(
        prefix=prefix,
        python=os.path.join(prefix, "bin", "python"),
        prebuilt=False,
        create=True,
        install=("transformers==5.17.0",),
        install_pytriton=True,
        reuse_torch="2.8.0+cu128",
        base_python="/usr/bin/python3",
        notes=("torch 2.8.0+cu128 of the image is in the pinned range (2.6 <= torch < 2.12): reused",),
    )
    assert want["torch"] == "image 2.8.0+cu128"


@pytest.mark.parametrize(
    "found,note",
    [
        (
            "2.4.1",
            "torch 2.4.1 of the image is outside the pinned range (2.6 <= torch < 2.12): installing torch 2.11.0",
        ),
        (None, "the image has no torch, so torch is installed: torch 2.11.0"),
    ],
)
def test_plan_installs_the_pinned_torch(tmp_path, found, note):
    base = {"torch": found, "numpy": "1.24.2"}
    plan, _ = stack.plan_venv(str(tmp_path / "venv"), "/usr/bin/python3", base, PINS, "/wheels")
    assert (plan.install, plan.reuse_torch, plan.notes) == (("torch==2.11.0", "transformers==5.17.0"), None, (note,))


def test_plan_is_done_only_with_a_matching_marker(tmp_path):
    prefix = tmp_path / "venv"
    (prefix / "bin").mkdir(parents=True)
    python = prefix / "bin" / "python"
    python.write_text("#!/bin/sh\n")
    python.chmod(0o755)
    base = {"torch": "2.8.0", "python": "3.11.9", "numpy": "1.26.4"}
    _, want = stack.plan_venv(str(prefix), "/usr/bin/python3", base, PINS, None)
    # A venv without the marker (cut short by a crash) is completed, not recreated.
    plan, _ = stack.plan_venv(str(prefix), "/usr/bin/python3", base, PINS, None)
    assert (plan.create, plan.install, plan.install_pytriton) == (False, ("transformers==5.17.0",), True)
    (prefix / stack.MARKER).write_text(json.dumps(want))
    plan, _ = stack.plan_venv(str(prefix), "/usr/bin/python3", base, PINS, None)
    assert (plan.create, plan.install, plan.install_pytriton) == (False, (), False)
    # Other pins (or another wheel folder) mean another environment.
    plan, _ = stack.plan_venv(str(prefix), "/usr/bin/python3", base, PINS, "/wheels")
    assert plan.install == ("transformers==5.17.0",)
    # Another image under the same path (say Python 3.12 where 3.11 was) means another venv too.
    plan, _ = stack.plan_venv(str(prefix), "/usr/bin/python3", dict(base, python="3.12.3"), PINS, None)
    assert plan.install == ("transformers==5.17.0",)


def test_plan_without_pytriton_when_the_server_comes_from_elsewhere(tmp_path):
    base = {"torch": None, "numpy": "1.26.4"}
    plan, want = stack.plan_venv(str(tmp_path / "v"), "/usr/bin/python3", base, PINS, None, False)
    assert (plan.install, plan.install_pytriton, want["nvidia_pytriton"]) == (
        ("torch==2.11.0", "transformers==5.17.0"),
        False,
        False,
    )


@pytest.mark.parametrize(
    "found,note",
    [
        (
            "2.2.6",
            "numpy 2.2.6 of the image is not below 2 (Triton's Python backend stub needs numpy 1): "
            "installing numpy 1.26.4",
        ),
        (
            None,
            "the image has no numpy, which must be below 2 (Triton's Python backend stub needs numpy 1): "
            "installing numpy 1.26.4",
        ),
    ],
)
def test_plan_installs_numpy_below_2(tmp_path, found, note):
    base = {"torch": "2.8.0", "numpy": found}
    plan, _ = stack.plan_venv(str(tmp_path / "venv"), "/usr/bin/python3", base, PINS, None)
    assert (plan.install, plan.notes[1:]) == (("transformers==5.17.0", "numpy==1.26.4"), (note,))


@pytest.mark.parametrize(
    "version,ok", [("1.24.2", True), ("1.26.4", True), ("2.0.2", False), ("2.4.6", False), (None, False)]
)
def test_numpy_range(version, ok):
    assert stack.numpy_supported(version, PINS) is ok


def test_pip_arguments():
    head = ["/v/bin/python", "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "-q"]
    assert stack.pip_args("/v/bin/python", "/w", "https://download.pytorch.org/whl/cu128", True) == head + [
        "--no-index",
        "--find-links",
        "/w",
    ]
    assert stack.pip_args("/v/bin/python", None, "https://x/cu128", True) == head + [
        "--extra-index-url",
        "https://x/cu128",
    ]
    assert stack.pip_args("/v/bin/python", None, "https://x/cu128", False) == head


GOOD = {
    "python": "3.11.9",
    "torch": "2.11.0+cu130",
    "transformers": "5.17.0",
    "huggingface_hub": "1.5.0",
    "numpy": "1.26.4",
    "cuda_devices": 1,
}


def test_check_env_accepts_the_pinned_stack():
    assert stack.check_env(GOOD, "/v", PINS, "gpu", prebuilt=False) == []


def test_check_env_warns_for_a_prebuilt_env_off_the_pins():
    info = dict(GOOD, torch="1.13.0", transformers="4.46.3")
    assert stack.check_env(info, "/ci", PINS, "cpu", prebuilt=True) == [
        "torch 1.13.0 in /ci is outside the pinned range (2.6 <= torch < 2.12); serving anyway",
        "transformers 4.46.3 in /ci is not the pinned 5.17.0; serving anyway",
    ]


@pytest.mark.parametrize(
    "info,kind,code,message",
    [
        (
            dict(GOOD, transformers=None, transformers_error="ModuleNotFoundError: No module named 'transformers'"),
            "gpu",
            ExitCode.INSTALL_FAILED,
            "Cannot serve from the Python environment /v as `import transformers` fails: "
            "ModuleNotFoundError: No module named 'transformers'",
        ),
        (
            dict(GOOD, transformers="5.16.0"),
            "gpu",
            ExitCode.INSTALL_FAILED,
            "Cannot serve from /v as its transformers is 5.16.0, not the pinned 5.17.0: delete /v and run `pod.sh up` again",
        ),
        (
            dict(GOOD, numpy="2.4.6"),
            "gpu",
            ExitCode.INSTALL_FAILED,
            "Cannot serve from /v as its numpy 2.4.6 is not below 2 (Triton's Python backend stub garbles text "
            "tensors with numpy 2): delete /v and run `pod.sh up` again",
        ),
        (
            dict(GOOD, cuda_devices=0, torch_cuda="13.0"),
            "gpu",
            ExitCode.NO_GPU,
            "Cannot serve on the GPU as torch 2.11.0+cu130 in /v sees no CUDA device (built for CUDA 13.0): if the "
            "driver is older than that, set MUSICGEN_TORCH_INDEX_URL to a matching PyTorch index and delete the venv; "
            "to serve on CPU set MUSICGEN_INSTANCE_KIND=cpu",
        ),
    ],
)
def test_check_env_failures(info, kind, code, message):
    with pytest.raises(PodError) as e:
        stack.check_env(info, "/v", PINS, kind, prebuilt=False)
    assert (e.value.code, e.value.message) == (code, message)


def test_prebuilt_env_with_numpy_2_is_refused():
    with pytest.raises(PodError) as e:
        stack.check_env(dict(GOOD, numpy="2.0.2"), "/ci", PINS, "gpu", prebuilt=True)
    assert (e.value.code, e.value.message) == (
        ExitCode.INSTALL_FAILED,
        "Cannot serve from /ci as its numpy 2.0.2 is not below 2 (Triton's Python backend stub garbles text "
        "tensors with numpy 2): install numpy==1.26.4 into it",
    )


def installed(python, *names):
    import subprocess

    code = "import sys; from importlib.metadata import version; print(*(version(n) for n in sys.argv[1:]))"
    return subprocess.run([python, "-c", code, *names], capture_output=True, text=True, check=True).stdout.split()


def test_ci_runs_the_pinned_stack():
    # What infra/triton/ci-setup.sh installed from the pins file: the models' environment and the tritonserver.
    from conftest import TRITON_VENV, VENV

    assert installed(os.path.join(VENV, "bin", "python"), "torch", "transformers", "numpy") == [
        PINS.torch_version,
        PINS.transformers_version,
        PINS.numpy_version,
    ]
    assert installed(os.path.join(TRITON_VENV, "bin", "python"), "nvidia-pytriton") == [PINS.pytriton_version]


def report_versions(pins_file):
    import subprocess

    from conftest import ROOT, VENV

    script = os.path.join(ROOT, "infra", "bench", "report_versions.py")
    python = os.path.join(VENV, "bin", "python")
    return subprocess.run([python, script, pins_file], capture_output=True, text=True, check=True).stdout.splitlines()


def test_run_gpu_reports_versions_against_the_pins():
    import platform

    # CI's environment is the pinned stack (test_ci_runs_the_pinned_stack); only the Python is the machine's.
    assert report_versions(stack.PINS_FILE) == [
        f"python {platform.python_version()}: ok 3.10..3.12",
        "torch 2.11.0+cu130: = pinned, in 2.6 <= torch < 2.12",
        "transformers 5.17.0: = pinned 5.17.0",
        "nvidia-pytriton missing (pinned 0.7.0)",
        "numpy 1.26.4: = pinned, below 2",
    ]


def test_run_gpu_says_when_numpy_breaks_the_triton_step(tmp_path):
    with open(stack.PINS_FILE, encoding="utf-8") as f:
        text = f.read().replace("NUMPY_MAX_VERSION=2", "NUMPY_MAX_VERSION=1.25")
    pins_file = tmp_path / "python-stack.env"
    pins_file.write_text(text)
    assert report_versions(str(pins_file))[-1] == (
        "numpy 1.26.4: = pinned, NOT below 1.25 (Triton's Python backend stub garbles text tensors with numpy 2: "
        "the Triton step will fail)"
    )
