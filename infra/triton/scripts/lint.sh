#!/usr/bin/env bash
# ruff lint + format check over infra/triton and infra/bench (configuration in infra/triton/pyproject.toml).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/ci-setup.sh"
# shellcheck source=env.sh
source "$here/scripts/env.sh"
cd "$here/../.."
ruff="$venv/bin/ruff"
"$ruff" check --config infra/triton/pyproject.toml infra/triton infra/bench
"$ruff" format --check --config infra/triton/pyproject.toml infra/triton infra/bench
