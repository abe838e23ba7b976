"""Settings: the env file format, precedence, defaults, validation (exact messages, secrets never shown)."""

import os

import pytest

from musicgen_pod import settings
from musicgen_pod.errors import ExitCode, PodError


def load(tmp_path, file_text=None, **environ):
    volume = str(tmp_path)
    if file_text is not None:
        os.makedirs(os.path.join(volume, "musicgen"), exist_ok=True)
        path = os.path.join(volume, "musicgen", "pod.env")
        with open(path, "w") as f:
            f.write(file_text)
        os.chmod(path, 0o600)
    return settings.load(dict({"MUSICGEN_VOLUME": volume}, **environ))


def test_defaults(tmp_path):
    s, env_file = load(tmp_path)
    volume = str(tmp_path)
    assert (env_file.exists, env_file.warnings) == (False, ())
    assert s == settings.Settings(
        volume=volume,
        env_file=os.path.join(volume, "musicgen", "pod.env"),
        model_id="facebook/musicgen-medium",
        model_is_local=False,
        instance_kind="gpu",
        max_concurrent="auto",
        http_port=8000,
        grpc_port=8001,
        metrics_port=8002,
        hf_home=os.path.join(volume, "huggingface"),
        hf_token=None,
        python_env=None,
        wheels_dir=None,
        tritonserver=None,
        torch_index_url=None,
        start_timeout_s=900.0,
        stop_timeout_s=60.0,
        disk_reserve_gb=2.0,
        listen_address="127.0.0.1",
    )
    assert s.pod_dir == os.path.join(volume, "musicgen")


def test_env_file_syntax():
    text = (
        "# comment\n"
        "\n"
        "export MUSICGEN_MODEL_ID=small\n"
        "  TRITON_GRPC_PORT = 9001 \n"
        "HF_TOKEN='hf_quoted'\n"
        'MUSICGEN_MAX_CONCURRENT="4"\n'
        "MUSICGEN_WHEELS_DIR=\n"
        "EQUALS=a=b\n"
    )
    assert settings.parse_env_text(text, "pod.env") == {
        "MUSICGEN_MODEL_ID": "small",
        "TRITON_GRPC_PORT": "9001",
        "HF_TOKEN": "hf_quoted",
        "MUSICGEN_MAX_CONCURRENT": "4",
        "MUSICGEN_WHEELS_DIR": "",
        "EQUALS": "a=b",
    }


@pytest.mark.parametrize("line", ["hf_secretwithoutkey", "1BAD=x", "=value", "BAD KEY=x"])
def test_env_file_bad_line_is_reported_by_number_only(line):
    with pytest.raises(PodError) as e:
        settings.parse_env_text(f"A=1\n{line}\n", "/v/pod.env")
    assert (e.value.code, e.value.message) == (
        ExitCode.USAGE,
        "Cannot read the settings file /v/pod.env as line 2 is not KEY=VALUE (the line is not shown: it may hold a secret)",
    )


def test_environment_wins_then_file_then_default(tmp_path):
    s, _ = load(
        tmp_path,
        "MUSICGEN_INSTANCE_KIND=cpu\nTRITON_GRPC_PORT=9001\nMUSICGEN_MAX_CONCURRENT=3\n",
        TRITON_GRPC_PORT="9101",
        MUSICGEN_MAX_CONCURRENT="",  # empty in the environment: not set, the file's value applies
    )
    assert (s.instance_kind, s.grpc_port, s.max_concurrent, s.http_port) == ("cpu", 9101, "3", 8000)


def test_aliases_and_local_directories(tmp_path):
    assert load(tmp_path, MUSICGEN_MODEL_ID="large")[0].model_id == "facebook/musicgen-large"
    s, _ = load(tmp_path, MUSICGEN_MODEL_ID="/models/tiny/")
    assert (s.model_id, s.model_is_local) == ("/models/tiny", True)
    s, _ = load(tmp_path, MUSICGEN_MODEL_ID="someone/musicgen-finetune")
    assert (s.model_id, s.model_is_local) == ("someone/musicgen-finetune", False)
    assert load(tmp_path, MUSICGEN_MAX_CONCURRENT="007")[0].max_concurrent == "7"


def test_volume_and_env_file_only_from_the_environment(tmp_path):
    other = tmp_path / "elsewhere.env"
    other.write_text("MUSICGEN_VOLUME=/somewhere\nMUSICGEN_INSTANCE_KIND=cpu\n")
    other.chmod(0o600)
    s, env_file = settings.load({"MUSICGEN_VOLUME": str(tmp_path), "MUSICGEN_POD_ENV_FILE": str(other)})
    assert (s.volume, s.instance_kind, s.env_file) == (str(tmp_path), "cpu", str(other))
    assert env_file.warnings == (
        f"MUSICGEN_VOLUME in {other} is ignored: it must be set in the environment that runs pod.sh",
    )


def test_listen_address_only_from_the_environment(tmp_path):
    s, env_file = load(tmp_path, "MUSICGEN_LISTEN_ADDRESS=0.0.0.0\n")
    assert s.listen_address == "127.0.0.1"
    assert env_file.warnings == (
        f"MUSICGEN_LISTEN_ADDRESS in {env_file.path} is ignored: it must be set in the environment that runs pod.sh",
    )
    assert load(tmp_path, MUSICGEN_LISTEN_ADDRESS="0.0.0.0")[0].listen_address == "0.0.0.0"


def test_readable_env_file_warns(tmp_path):
    _, env_file = load(tmp_path, "MUSICGEN_INSTANCE_KIND=cpu\n")
    path = env_file.path
    os.chmod(path, 0o640)
    env_file = settings.read_env_file(path)
    assert env_file.warnings == (
        f"the settings file {path} may be read by other users (mode 640): it can hold secrets, run `chmod 600 {path}`",
    )


@pytest.mark.parametrize(
    "name,value,message",
    [
        ("MUSICGEN_VOLUME", "workspace", "Cannot use MUSICGEN_VOLUME as it must be an absolute path: current value is 'workspace'"),
        ("TRITON_HTTP_PORT", "0", "Cannot use TRITON_HTTP_PORT as it must be a TCP port number from 1 to 65535: current value is '0'"),
        ("TRITON_HTTP_PORT", "http", "Cannot use TRITON_HTTP_PORT as it must be a TCP port number from 1 to 65535: current value is 'http'"),
        ("TRITON_HTTP_PORT", "8001", "Cannot use TRITON_GRPC_PORT as it must be different from TRITON_HTTP_PORT: current value is '8001'"),
        ("MUSICGEN_MODEL_ID", "../model", "Cannot use MUSICGEN_MODEL_ID as it must be a Hugging Face model id (owner/name), small, medium, large or an absolute directory: current value is '../model'"),
        ("HF_TOKEN", "hf_a b", "Cannot use HF_TOKEN as it must be a single word without spaces: current value is (not shown)"),
        ("MUSICGEN_TORCH_INDEX_URL", "cu128", "Cannot use MUSICGEN_TORCH_INDEX_URL as it must be an http(s) URL: current value is 'cu128'"),
        ("MUSICGEN_STOP_TIMEOUT_S", "0", "Cannot use MUSICGEN_STOP_TIMEOUT_S as it must be a number >= 1: current value is '0'"),
        ("MUSICGEN_DISK_RESERVE_GB", "-1", "Cannot use MUSICGEN_DISK_RESERVE_GB as it must be a number >= 0: current value is '-1'"),
        ("MUSICGEN_DISK_RESERVE_GB", "nan", "Cannot use MUSICGEN_DISK_RESERVE_GB as it must be a number >= 0: current value is 'nan'"),
        ("MUSICGEN_LISTEN_ADDRESS", "10.0.0.5", "Cannot use MUSICGEN_LISTEN_ADDRESS as it must be 127.0.0.1 (this machine only) or 0.0.0.0 (a container's private network): current value is '10.0.0.5'"),
        ("MUSICGEN_PYTHON_ENV", "venv", "Cannot use MUSICGEN_PYTHON_ENV as it must be an absolute path: current value is 'venv'"),
        ("MUSICGEN_WHEELS_DIR", "/nonexistent/wheels", "Cannot use MUSICGEN_WHEELS_DIR as /nonexistent/wheels is not a directory"),
    ],
)  # fmt: skip
def test_bad_values(tmp_path, name, value, message):
    with pytest.raises(PodError) as e:
        load(tmp_path, **{name: value})
    assert (e.value.code, e.value.message) == (ExitCode.USAGE, message)


def test_the_token_never_shows_in_repr(tmp_path):
    s, _ = load(tmp_path, HF_TOKEN="hf_secret")
    assert s.hf_token == "hf_secret"
    assert "hf_secret" not in repr(s) and "hf_secret" not in str(settings.server_identity(s))
