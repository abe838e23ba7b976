"""Shared fixtures: the Python environments of infra/triton/scripts/env.sh, the tiny-32k model, pod.sh runs."""

import os
import shutil
import signal
import socket
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
POD = os.path.dirname(HERE)
ROOT = os.path.abspath(os.path.join(POD, "..", ".."))
POD_SH = os.path.join(POD, "pod.sh")
BASH = shutil.which("bash")
SOURCE_REPOSITORY = os.path.join(ROOT, "infra", "triton", "model_repository")
sys.path.insert(0, POD)
sys.path.insert(0, HERE)

# Settings a developer's shell may carry; every pod.sh run starts without them.
SETTING_PREFIXES = ("MUSICGEN_", "TRITON_", "HF_", "HUGGING_FACE_", "RUNPOD_", "TRANSFORMERS_")


def env_paths():
    """(venv, venv-triton) as infra/triton/scripts/env.sh defines them."""
    out = subprocess.run(
        ["bash", "-c", 'source "$1"; printf "%s\\n%s\\n" "$venv" "$tvenv"', "_", f"{ROOT}/infra/triton/scripts/env.sh"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    return out[0], out[1]


VENV, TRITON_VENV = env_paths()


def triton_site():
    found = [
        os.path.join(TRITON_VENV, "lib", d, "site-packages")
        for d in (
            os.listdir(os.path.join(TRITON_VENV, "lib")) if os.path.isdir(os.path.join(TRITON_VENV, "lib")) else []
        )
    ]
    return found[0] if found else os.path.join(TRITON_VENV, "lib", "python3", "site-packages")


TRITON_SITE = triton_site()
TRITONSERVER = os.path.join(TRITON_SITE, "pytriton", "tritonserver", "bin", "tritonserver")
needs_tritonserver = pytest.mark.skipif(
    not os.path.isfile(TRITONSERVER) or not os.path.isfile(os.path.join(VENV, "bin", "python")),
    reason=f"no tritonserver at {TRITONSERVER}: run infra/triton/ci-setup.sh (installs nvidia-pytriton)",
)


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTING_PREFIXES)}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def pod_command(args):
    return [BASH, POD_SH] + list(args)


def pod(args, env, timeout=420):
    """Runs pod.sh as a user would; returns the CompletedProcess (text)."""
    return subprocess.run(pod_command(args), env=env, capture_output=True, text=True, timeout=timeout)


def write_env_file(volume, values, mode=0o600):
    path = os.path.join(volume, "musicgen", "pod.env")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("# written by the test, as the deploy tool would\n")
        for k, v in values.items():
            f.write(f"{k}={v}\n")
    os.chmod(path, mode)
    return path


def source_models():
    return sorted(
        n for n in os.listdir(SOURCE_REPOSITORY) if os.path.isfile(os.path.join(SOURCE_REPOSITORY, n, "config.pbtxt"))
    )


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    """The tiny-32k random MusicGen saved with save_pretrained (a local model directory)."""
    path = str(tmp_path_factory.mktemp("tiny-32k"))
    subprocess.run(
        [os.path.join(VENV, "bin", "python"), "-m", "musicgen_serving.random_model", "tiny-32k", path],
        cwd=os.path.join(SOURCE_REPOSITORY, "musicgen_lm", "1"),
        check=True,
        capture_output=True,
    )
    return path


def link_or_copy(src, dst):
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


HUB_ID = "test-org/musicgen-tiny"
REVISION = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(scope="session")
def hf_home(tiny_dir, tmp_path_factory):
    """A Hugging Face cache holding the tiny model as HUB_ID, laid out as huggingface_hub writes it."""
    home = str(tmp_path_factory.mktemp("hf-home"))
    repo = os.path.join(home, "hub", "models--" + HUB_ID.replace("/", "--"))
    os.makedirs(os.path.join(repo, "refs"))
    with open(os.path.join(repo, "refs", "main"), "w") as f:
        f.write(REVISION)
    shutil.copytree(tiny_dir, os.path.join(repo, "snapshots", REVISION), copy_function=link_or_copy)
    return home


@pytest.fixture(scope="session")
def closed_port():
    """A loopback port nothing listens on: the 'hub' there refuses every connection."""
    return free_ports(1)[0]


def processes_mentioning(text):
    """Pids whose command line contains ``text`` (a test's volume path: only what the test started)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    if text.encode() in f.read():
                        found.append(int(entry))
            except OSError:
                pass
    return found


@pytest.fixture
def volume(tmp_path):
    """A fresh volume directory; whatever the test started on it is killed afterwards, even on failure."""
    path = str(tmp_path / "volume")
    os.makedirs(path)
    yield path
    for pid in processes_mentioning(path):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
