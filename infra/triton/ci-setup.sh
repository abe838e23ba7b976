#!/usr/bin/env bash
# Installs everything the Python tests need, idempotently and without prompts, on the Python stack the
# GPU server ships with (infra/python-stack.env: one file, also read by infra/pod/pod.sh and
# infra/bench/run_gpu.sh):
#   Debian: python3-venv, libpython3.11 (the Triton Python backend stub links it), g++ and
#           libpython3.11-dev (torch.compile's C++ code generation on CPU: tests/test_compile.py)
#   PyPI:   torch, transformers and numpy at the pinned versions, pytest and ruff (requirements-ci.txt)
#           into $env_root/venv-stack (a plain venv of /usr/bin/python3; the models' EXECUTION_ENV_PATH
#           in the real-server tests);
#           nvidia-pytriton at the pinned version (a tritonserver binary + tritonclient) into
#           $env_root/venv-triton; moto (an S3 server that honours conditional writes, for the store's
#           lease tests) into $env_root/venv-s3,
# with env_root from scripts/env.sh (default ~/.cache/musicgen-triton).
# Run as root after `apt-get update` (CI does); as another user the apt step needs sudo.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/env.sh
source "$here/scripts/env.sh"
# shellcheck source=../python-stack.env
source "$here/../python-stack.env"
mkdir -p "$env_root"
# One setup at a time on this machine (apt and the venvs); a second run waits here, then finds all done.
command -v flock >/dev/null || { echo "infra/triton: flock is missing; install util-linux" >&2; exit 1; }
exec 8>"$env_root/setup.lock"
flock 8
packages=(python3-venv libpython3.11 g++ libpython3.11-dev)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "infra/triton: installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# with_pins OUT SOURCE PIN...: OUT is SOURCE followed by the pins from infra/python-stack.env. OUT is
# what ensure-venv.sh compares with the venv's stamp, so a changed pin updates the venv.
with_pins() {
  local out="$1" source="$2"
  shift 2
  { cat "$source"; printf '%s\n' "$@"; } >"$out.tmp"
  mv "$out.tmp" "$out"
}
with_pins "$env_root/requirements-stack.txt" "$here/requirements-ci.txt" \
  "torch==$TORCH_VERSION" "transformers==$TRANSFORMERS_VERSION" "numpy==$NUMPY_VERSION"
with_pins "$env_root/requirements-triton.txt" "$here/requirements-triton.txt" \
  "nvidia-pytriton==$NVIDIA_PYTRITON_VERSION"

# Each environment is made under its own lock and checked complete before use (scripts/ensure-venv.sh):
# two test runs at once wait for each other instead of using a half-made venv. The three are made at
# the same time (downloads overlap); each one's output lines name its venv.
ensure="$here/scripts/ensure-venv.sh"
pids=()
bash "$ensure" "$venv" "$env_root/requirements-stack.txt" \
  --check "import torch, transformers, numpy, pytest, triton" &
pids+=("$!")
bash "$ensure" "$tvenv" "$env_root/requirements-triton.txt" --check "import tritonclient.grpc" &
pids+=("$!")
bash "$ensure" "$s3venv" "$here/requirements-s3.txt" --check "import moto.server" &
pids+=("$!")
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
exit "$status"
