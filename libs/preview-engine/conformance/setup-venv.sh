#!/usr/bin/env bash
# Creates (idempotently) the Python virtual environment used by the tritonclient conformance test.
# Usage: bash libs/preview-engine/conformance/setup-venv.sh
# Re-running is cheap: when the pinned client already imports, nothing is installed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/../.venv"
python="${PYTHON:-python3}"
pin="$(tr -d '[:space:]' < "$here/requirements.txt")"

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import tritonclient.grpc, numpy' 2>/dev/null; then
  exit 0
fi
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$pin"
"$venv/bin/python" -c 'import tritonclient.grpc, numpy'
