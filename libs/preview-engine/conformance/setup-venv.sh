#!/usr/bin/env bash
# Creates (idempotently) the Python virtual environment used by the tritonclient conformance test.
# Usage: bash libs/preview-engine/conformance/setup-venv.sh
# Re-running is cheap: when the venv is complete, nothing is installed. Two test runs at once wait for
# each other, and a half-made venv is made again (infra/triton/scripts/ensure-venv.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/../../../infra/triton/scripts/ensure-venv.sh" "$here/../.venv" "$here/requirements.txt" \
  --python "${PYTHON:-python3}" --check 'import tritonclient.grpc, numpy'
