#!/usr/bin/env bash
# Tests of the pod runtime (infra/pod): unit tests, then pod.sh driven as on a pod, on CPU, against the
# real tritonserver that infra/triton/ci-setup.sh installs. Extra arguments go to pytest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
bash "$root/infra/triton/ci-setup.sh"
# shellcheck source=../../triton/scripts/env.sh
source "$root/infra/triton/scripts/env.sh"
cd "$root/infra/pod"
exec "$venv/bin/python" -m pytest tests "$@"
