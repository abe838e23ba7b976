#!/usr/bin/env bash
# Tests of the Helm chart (infra/k8s/musicgen): rendered by the real helm (built once from its Go module,
# scripts/ensure-helm.sh), every object validated against the Kubernetes schemas, assertions on them.
# No cluster is started (none can be, without a container runtime). Extra arguments go to pytest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
# shellcheck source=../../triton/scripts/env.sh
source "$root/infra/triton/scripts/env.sh"
bash "$root/infra/triton/scripts/ensure-venv.sh" "$k8svenv" "$root/infra/k8s/requirements-test.txt" \
  --check "import kubernetes_validate, yaml, pytest, cloudcoil.models.keda"
MUSICGEN_HELM="$(bash "$root/infra/k8s/scripts/ensure-helm.sh")"
export MUSICGEN_HELM
cd "$root/infra/k8s"
exec "$k8svenv/bin/python" -m pytest tests "$@"
