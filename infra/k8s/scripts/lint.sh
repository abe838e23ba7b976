#!/usr/bin/env bash
# ruff over the chart's tests, and `helm lint` of the chart.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
bash "$root/infra/triton/ci-setup.sh"
# shellcheck source=../../triton/scripts/env.sh
source "$root/infra/triton/scripts/env.sh"
cd "$root/infra/k8s"
"$venv/bin/ruff" check tests
"$venv/bin/ruff" format --check tests
"$(bash "$root/infra/k8s/scripts/ensure-helm.sh")" lint --strict musicgen --kube-version 1.36.0 \
  --set batch.enabled=true --set batch.out=s3://lint/renders --set batch.prompts.text='x ; 5 ; x'
