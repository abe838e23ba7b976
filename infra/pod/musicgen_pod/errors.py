"""Exit codes of ``pod.sh`` and the one error type that carries them."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Every exit code ``pod.sh`` returns; infra/pod/README.md lists the same table (a test holds them equal)."""

    OK = 0
    FAILED = 1  # an unexpected failure (a bug): the message says what was being done
    USAGE = 2  # unknown verb or flag, a bad setting value, an unreadable env file or volume
    STOPPED = 3  # `status`: Triton is not running
    UNHEALTHY = 4  # `status`: Triton runs but is not answering or a model is not ready
    NO_GPU = 10  # MUSICGEN_INSTANCE_KIND=gpu but no usable GPU (nvidia-smi missing or failing, torch sees none)
    NO_DISK = 11  # not enough free space on the volume for what is still to install or download
    GLIBC_TOO_OLD = 12  # glibc older than the nvidia-pytriton wheel's floor
    PYTHON_UNSUPPORTED = 13  # no Python, or a version with no backend stub / too old for transformers
    INSTALL_FAILED = 14  # pip failed, or the Python environment cannot import torch / transformers
    HUB_UNREACHABLE = 15  # the weights are not cached and the Hugging Face hub cannot be reached
    MODEL_NOT_FOUND = 16  # a local model directory that is missing or unreadable, or a hub id that does not exist
    PORT_TAKEN = 17  # a Triton port is already in use on 127.0.0.1
    SERVER_DIED = 18  # tritonserver exited while starting (the log tail is printed)
    START_TIMEOUT = 19  # not every model was ready within MUSICGEN_START_TIMEOUT_S (Triton keeps running)
    NO_TRITONSERVER = 20  # no tritonserver binary where the settings say it is
    STOP_FAILED = 21  # tritonserver did not exit even after SIGKILL


class PodError(Exception):
    """A failure the user can act on: a one-line message (action, reason, current value) and an exit code.

    ``detail`` (for example the tail of the server log) is printed after the message, on its own lines.
    """

    def __init__(self, code: ExitCode, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail
