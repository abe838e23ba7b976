#!/usr/bin/env bash
# Installs everything the infra/triton tests need, idempotently and without prompts:
#   Debian: python3-torch (1.13, CPU), python3-numpy, python3-pytest, python3-venv
#   PyPI:   transformers 4.46.3 (+ tokenizers, safetensors, huggingface-hub), ruff
#           into $env_root/venv (a venv of /usr/bin/python3 with --system-site-packages);
#           nvidia-pytriton (a tritonserver binary + tritonclient) into $env_root/venv-triton,
# with env_root from scripts/env.sh (default ~/.cache/musicgen-triton).
# Run as root after `apt-get update` (CI does); as another user the apt step needs sudo.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/env.sh
source "$here/scripts/env.sh"
mkdir -p "$env_root"
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

stamp="$venv/.requirements"
if [ ! -x "$venv/bin/python" ]; then
  /usr/bin/python3 -m venv --system-site-packages "$venv"
fi
if ! cmp -s "$here/requirements-ci.txt" "$stamp"; then
  echo "infra/triton: installing PyPI packages into $venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements-ci.txt"
  cp "$here/requirements-ci.txt" "$stamp"
fi
if [ ! -x "$tvenv/bin/python" ]; then
  /usr/bin/python3 -m venv "$tvenv"
fi
if ! cmp -s "$here/requirements-triton.txt" "$tvenv/.requirements"; then
  echo "infra/triton: installing a tritonserver (nvidia-pytriton) into $tvenv"
  "$tvenv/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements-triton.txt"
  cp "$here/requirements-triton.txt" "$tvenv/.requirements"
fi
"$venv/bin/python" -c "import torch, transformers, numpy, pytest" \
  || { echo "infra/triton: the test environment in $venv is broken; delete it and re-run $0" >&2; exit 1; }
