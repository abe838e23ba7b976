#!/usr/bin/env bash
# Creates/updates the Python test environment when needed, then runs the CPU tests of infra/triton
# (and the benchmark's smoke run). Extra arguments go to pytest.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/ci-setup.sh"
# shellcheck source=env.sh
source "$here/scripts/env.sh"
cd "$here"
exec "$venv/bin/python" -m pytest tests "$@"
