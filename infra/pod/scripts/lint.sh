#!/usr/bin/env bash
# ruff lint + format check over infra/pod (configuration in infra/pod/pyproject.toml).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
bash "$root/infra/triton/ci-setup.sh"
# shellcheck source=../../triton/scripts/env.sh
source "$root/infra/triton/scripts/env.sh"
cd "$root/infra/pod"
"$venv/bin/ruff" check .
"$venv/bin/ruff" format --check .
