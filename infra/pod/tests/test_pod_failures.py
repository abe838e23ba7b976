"""pod.sh's failures, as a user meets them: one line on stderr that says what to fix, a distinct exit code,
and nothing started. The last test lets a server die while loading (one server start)."""

import json
import os
import re
import socket
import subprocess

import pytest
from conftest import (
    TRITON_VENV,
    VENV,
    clean_env,
    free_ports,
    needs_tritonserver,
    pod,
    processes_mentioning,
    write_env_file,
)

pytestmark = needs_tritonserver
SECRET = "hf_anotherTokenThatMustNeverShow"


def base_settings(model, ports=None):
    http, grpc, metrics = ports or free_ports(3)
    return {
        "MUSICGEN_MODEL_ID": model,
        "MUSICGEN_INSTANCE_KIND": "cpu",
        "TRITON_HTTP_PORT": http,
        "TRITON_GRPC_PORT": grpc,
        "TRITON_METRICS_PORT": metrics,
        "MUSICGEN_PYTHON_ENV": VENV,
        "MUSICGEN_TRITONSERVER": TRITON_VENV,
    }


def last_error(proc):
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("musicgen-pod: warning: ")]
    return lines[-1] if lines else ""


BAD_VALUES = [
    (
        "MUSICGEN_MAX_CONCURRENT",
        "lots",
        "Cannot use MUSICGEN_MAX_CONCURRENT as it must be 'auto' or a whole number >= 1: current value is 'lots'",
    ),
    (
        "MUSICGEN_MAX_CONCURRENT",
        "0",
        "Cannot use MUSICGEN_MAX_CONCURRENT as it must be 'auto' or a whole number >= 1: current value is '0'",
    ),
    (
        "MUSICGEN_INSTANCE_KIND",
        "tpu",
        "Cannot use MUSICGEN_INSTANCE_KIND as it must be gpu or cpu: current value is 'tpu'",
    ),
    (
        "TRITON_GRPC_PORT",
        "80801",
        "Cannot use TRITON_GRPC_PORT as it must be a TCP port number from 1 to 65535: current value is '80801'",
    ),
    (
        "MUSICGEN_MODEL_ID",
        "not a model",
        "Cannot use MUSICGEN_MODEL_ID as it must be a Hugging Face model id (owner/name), small, medium, large or "
        "an absolute directory: current value is 'not a model'",
    ),
    (
        "HF_TOKEN",
        "two words",
        "Cannot use HF_TOKEN as it must be a single word without spaces: current value is (not shown)",
    ),
    (
        "MUSICGEN_START_TIMEOUT_S",
        "soon",
        "Cannot use MUSICGEN_START_TIMEOUT_S as it must be a number >= 1: current value is 'soon'",
    ),
    ("HF_HOME", "cache", "Cannot use HF_HOME as it must be an absolute path: current value is 'cache'"),
]


@pytest.mark.parametrize("where", ["env file", "environment"])
@pytest.mark.parametrize("name,value,message", BAD_VALUES, ids=[f"{n}={v}" for n, v, _ in BAD_VALUES])
def test_bad_setting_value(volume, tiny_dir, where, name, value, message):
    settings = dict(base_settings(tiny_dir))
    extra = {}
    if where == "env file":
        settings[name] = value
    else:
        extra[name] = value
    write_env_file(volume, settings)
    proc = pod(["up"], clean_env(MUSICGEN_VOLUME=volume, **extra))
    assert (proc.returncode, proc.stdout, proc.stderr) == (2, "", f"musicgen-pod: {message}\n")
    assert not os.path.exists(os.path.join(volume, "musicgen", "triton"))


def test_same_port_twice(volume, tiny_dir):
    settings = base_settings(tiny_dir)
    settings["TRITON_METRICS_PORT"] = settings["TRITON_GRPC_PORT"]
    write_env_file(volume, settings)
    proc = pod(["up"], clean_env(MUSICGEN_VOLUME=volume))
    port = settings["TRITON_GRPC_PORT"]
    assert (proc.returncode, proc.stderr) == (
        2,
        f"musicgen-pod: Cannot use TRITON_METRICS_PORT as it must be different from TRITON_GRPC_PORT: "
        f"current value is '{port}'\n",
    )


def test_environment_wins_over_the_env_file(volume, tiny_dir):
    settings = dict(base_settings(tiny_dir), MUSICGEN_INSTANCE_KIND="tpu")
    write_env_file(volume, settings)
    proc = pod(["status", "--json"], clean_env(MUSICGEN_VOLUME=volume, MUSICGEN_INSTANCE_KIND="cpu"))
    assert (proc.returncode, json.loads(proc.stdout)["instance_kind"], proc.stderr) == (3, "cpu", "")


def test_env_file_readable_by_others_warns(volume, tiny_dir):
    path = write_env_file(volume, base_settings(tiny_dir), mode=0o644)
    proc = pod(["status", "--json"], clean_env(MUSICGEN_VOLUME=volume))
    assert proc.returncode == 3
    assert proc.stderr == (
        f"musicgen-pod: warning: the settings file {path} may be read by other users (mode 644): it can hold "
        f"secrets, run `chmod 600 {path}`\n"
    )


def test_malformed_env_file_line_is_not_shown(volume):
    path = os.path.join(volume, "musicgen", "pod.env")
    os.makedirs(os.path.dirname(path))
    with open(path, "w") as f:
        f.write(f"MUSICGEN_INSTANCE_KIND=cpu\n\n{SECRET}\n")
    os.chmod(path, 0o600)
    proc = pod(["up"], clean_env(MUSICGEN_VOLUME=volume))
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        2,
        "",
        f"musicgen-pod: Cannot read the settings file {path} as line 3 is not KEY=VALUE "
        "(the line is not shown: it may hold a secret)\n",
    )


def test_missing_volume():
    proc = pod(["up"], clean_env(MUSICGEN_VOLUME="/nonexistent/volume"))
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        2,
        "",
        "musicgen-pod: Cannot use MUSICGEN_VOLUME as /nonexistent/volume is not a directory: attach the pod's "
        "volume there or set MUSICGEN_VOLUME to the persistent volume's mount point\n",
    )


def test_gpu_without_nvidia_smi(volume, tiny_dir, tmp_path):
    # A PATH with python3 only: no nvidia-smi, as on a machine without an NVIDIA driver.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python3 = subprocess.run(["python3", "-c", "import sys; print(sys.executable)"], capture_output=True, text=True)
    os.symlink(python3.stdout.strip(), bin_dir / "python3")
    write_env_file(volume, dict(base_settings(tiny_dir), MUSICGEN_INSTANCE_KIND="gpu"))
    proc = pod(["up"], clean_env(MUSICGEN_VOLUME=volume, PATH=str(bin_dir)))
    assert (proc.returncode, proc.stderr) == (
        10,
        "musicgen-pod: Cannot serve on the GPU as nvidia-smi is not on PATH (no NVIDIA driver in this machine): "
        "choose a GPU pod, or to serve on CPU instead (slow, for tests) set MUSICGEN_INSTANCE_KIND=cpu\n",
    )


def test_model_directory_missing(volume):
    write_env_file(volume, base_settings("/nonexistent/model"))
    proc = pod(["up"], clean_env(MUSICGEN_VOLUME=volume))
    assert (proc.returncode, proc.stderr) == (
        16,
        "musicgen-pod: Cannot serve MUSICGEN_MODEL_ID=/nonexistent/model as that directory does not exist: "
        "copy the model there or set MUSICGEN_MODEL_ID to a hub id\n",
    )


def test_model_directory_without_config(volume, tmp_path):
    model = tmp_path / "half-copied-model"
    model.mkdir()
    (model / "model.safetensors").write_bytes(b"")
    write_env_file(volume, base_settings(str(model)))
    proc = pod(["up"], clean_env(MUSICGEN_VOLUME=volume))
    assert (proc.returncode, proc.stderr) == (
        16,
        f"musicgen-pod: Cannot serve MUSICGEN_MODEL_ID={model} as it has no readable config.json: "
        "save the model there with save_pretrained()\n",
    )


def test_hub_unreachable_and_not_cached(volume, tmp_path, closed_port):
    hf_home = str(tmp_path / "hf")
    write_env_file(volume, dict(base_settings("test-org/not-cached"), HF_HOME=hf_home, HF_TOKEN=SECRET))
    proc = pod(["up"], clean_env(MUSICGEN_VOLUME=volume, HF_ENDPOINT=f"http://127.0.0.1:{closed_port}"))
    assert proc.returncode == 15, proc.stderr
    assert last_error(proc) == (
        "musicgen-pod: Cannot download test-org/not-cached as the Hugging Face hub cannot be reached (Connection "
        f"refused) and it is not in the cache at {hf_home}: connect the pod to the internet once, or set "
        "MUSICGEN_MODEL_ID to a local model directory"
    )
    assert SECRET not in proc.stdout + proc.stderr
    assert not os.path.exists(os.path.join(volume, "musicgen", "triton"))


def test_not_enough_disk(volume, tiny_dir):
    write_env_file(volume, dict(base_settings(tiny_dir), MUSICGEN_DISK_RESERVE_GB="100000000"))
    proc = pod(["up"], clean_env(MUSICGEN_VOLUME=volume))
    assert proc.returncode == 11, proc.stderr
    assert re.fullmatch(
        rf"musicgen-pod: Cannot set up the pod as {re.escape(volume)} has \d+\.\d GB free and 100000000\.0 GB are "
        r"needed \(MUSICGEN_DISK_RESERVE_GB 1e\+08\): grow the pod's volume or free space on it",
        last_error(proc),
    )


def test_no_tritonserver_where_the_setting_says(volume, tiny_dir, tmp_path):
    empty = tmp_path / "no-triton"
    empty.mkdir()
    write_env_file(volume, dict(base_settings(tiny_dir), MUSICGEN_TRITONSERVER=str(empty)))
    proc = pod(["up"], clean_env(MUSICGEN_VOLUME=volume))
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        20,
        "",
        f"musicgen-pod: Cannot find tritonserver in MUSICGEN_TRITONSERVER={empty}: point it at a Triton install "
        "(with bin/tritonserver and backends/python) or a Python environment where nvidia-pytriton is installed\n",
    )


def test_prebuilt_env_without_python(volume, tiny_dir, tmp_path):
    empty = tmp_path / "not-an-env"
    empty.mkdir()
    write_env_file(volume, dict(base_settings(tiny_dir), MUSICGEN_PYTHON_ENV=str(empty)))
    proc = pod(["up"], clean_env(MUSICGEN_VOLUME=volume))
    assert (proc.returncode, last_error(proc)) == (
        2,
        f"musicgen-pod: Cannot use MUSICGEN_PYTHON_ENV as {empty}/bin/python is not an executable Python",
    )


def test_port_taken(volume, tiny_dir):
    http, grpc, metrics = free_ports(3)
    holder = socket.socket()
    holder.bind(("127.0.0.1", metrics))
    holder.listen(1)
    try:
        write_env_file(volume, base_settings(tiny_dir, (http, grpc, metrics)))
        proc = pod(["up"], clean_env(MUSICGEN_VOLUME=volume))
    finally:
        holder.close()
    assert (proc.returncode, last_error(proc)) == (
        17,
        f"musicgen-pod: Cannot start Triton as port {metrics} (TRITON_METRICS_PORT) is taken on 127.0.0.1: stop "
        f"what listens there (`ss -ltnp 'sport = :{metrics}'` shows it) or set TRITON_METRICS_PORT to a free port",
    )


def test_server_that_dies_while_loading(volume, tmp_path):
    # A model directory that looks complete but holds no loadable model: musicgen_lm fails in initialize,
    # and tritonserver exits.
    model = tmp_path / "broken-model"
    model.mkdir()
    (model / "config.json").write_text("{}\n")
    write_env_file(volume, base_settings(str(model)))
    env = clean_env(MUSICGEN_VOLUME=volume)
    proc = pod(["up"], env)
    log = os.path.join(volume, "musicgen", "triton", "tritonserver.log")
    assert proc.returncode == 18, proc.stdout + proc.stderr
    errors = [line for line in proc.stderr.splitlines() if not line.startswith("musicgen-pod: warning: ")]
    assert re.fullmatch(
        r"musicgen-pod: Cannot start Triton as tritonserver \(pid \d+\) exited with status \d+ while loading the "
        rf"models: its errors and the last lines of {re.escape(log)} follow",
        errors[0],
    )
    with open(log) as f:
        lines = f.read().splitlines()
    assert lines[0].startswith("--- musicgen-pod: starting tritonserver at ")
    triton_errors = [line.split("\\n")[0] for line in lines if re.match(r"E\d{4} ", line)]
    assert any("failed to load 'musicgen_lm'" in line for line in triton_errors)
    assert errors[1:] == triton_errors + lines[-5:]
    assert not os.path.exists(os.path.join(volume, "musicgen", "triton", "tritonserver.pid"))
    assert processes_mentioning(volume) == []
    status = pod(["status", "--json"], env)
    assert (status.returncode, json.loads(status.stdout)["state"]) == (3, "stopped")
