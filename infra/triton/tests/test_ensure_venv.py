"""scripts/ensure-venv.sh: two setups at once, and a half-made venv, end with a complete venv."""

import os
import subprocess
import sys
import time

import pytest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "ensure-venv.sh")
PYTHON = os.path.join(sys.base_prefix, "bin", "python3")


def ensure(venv, requirements, *extra):
    return subprocess.Popen(
        ["bash", SCRIPT, str(venv), str(requirements), "--python", PYTHON, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(process):
    output, _ = process.communicate(timeout=300)
    return process.returncode, output


def pip_works(venv):
    return subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "--version"], capture_output=True).returncode == 0


@pytest.fixture
def requirements(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("# nothing to install: the venv itself is what is tested\n")
    return path


def test_two_setups_at_once_both_succeed(tmp_path, requirements):
    venv = tmp_path / "venv"
    first = ensure(venv, requirements)
    # The second starts while the first is still making the venv (its interpreter exists, pip not yet).
    deadline = time.monotonic() + 60
    while not (venv / "bin" / "python").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    second = ensure(venv, requirements, "--check", "import pip")
    made = f"ensure-venv.sh: making {venv}\nensure-venv.sh: installing requirements.txt into {venv}\n"
    assert [finish(first), finish(second)] == [(0, made), (0, "")]
    assert pip_works(venv)
    assert (venv / ".requirements").read_text() == requirements.read_text()


def test_a_half_made_venv_is_made_again(tmp_path, requirements):
    venv = tmp_path / "venv"
    # What a setup killed half-way leaves: an interpreter, no pip, no stamp.
    subprocess.run([PYTHON, "-m", "venv", "--without-pip", str(venv)], check=True)
    code, output = finish(ensure(venv, requirements))
    assert (code, output) == (
        0,
        f"ensure-venv.sh: {venv} is half made (no pip, no stamp); making it again\n"
        f"ensure-venv.sh: making {venv}\nensure-venv.sh: installing requirements.txt into {venv}\n",
    )
    assert pip_works(venv)


def test_a_broken_check_fails_with_one_line(tmp_path, requirements):
    venv = tmp_path / "venv"
    code, output = finish(ensure(venv, requirements, "--check", "import not_installed_anywhere"))
    assert (code, output.splitlines()[-1]) == (
        1,
        f"ensure-venv.sh: the environment in {venv} fails its check (import not_installed_anywhere); "
        f"delete it and run again",
    )
