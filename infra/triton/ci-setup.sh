#!/usr/bin/env bash
# Installs everything the infra/triton tests need, idempotently and without prompts:
#   Debian: python3-torch (1.13, CPU), python3-numpy, python3-pytest, python3-venv
#   PyPI:   transformers 4.46.3 (+ tokenizers, safetensors, huggingface-hub), ruff
#           into $env_root/venv (a venv of /usr/bin/python3 with --system-site-packages);
#           nvidia-pytriton (a tritonserver binary + tritonclient) into $env_root/venv-triton,
#           moto (an S3 server that honours conditional writes, for the store's lease tests) into
#           $env_root/venv-s3,
# with env_root from scripts/env.sh (default ~/.cache/musicgen-triton).
# Run as root after `apt-get update` (CI does); as another user the apt step needs sudo.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/env.sh
source "$here/scripts/env.sh"
mkdir -p "$env_root"
# One setup at a time on this machine (apt and the venvs); a second run waits here, then finds all done.
command -v flock >/dev/null || { echo "infra/triton: flock is missing; install util-linux" >&2; exit 1; }
exec 8>"$env_root/setup.lock"
flock 8
packages=(python3-torch python3-numpy python3-pytest python3-venv libpython3.11)

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

# Each environment is made under its own lock and checked complete before use (scripts/ensure-venv.sh):
# two test runs at once wait for each other instead of using a half-made venv.
ensure="$here/scripts/ensure-venv.sh"
bash "$ensure" "$venv" "$here/requirements-ci.txt" --system-site-packages \
  --check "import torch, transformers, numpy, pytest"
bash "$ensure" "$tvenv" "$here/requirements-triton.txt" --check "import tritonclient.grpc"
bash "$ensure" "$s3venv" "$here/requirements-s3.txt" --check "import moto.server"
