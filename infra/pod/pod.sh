#!/usr/bin/env bash
# The pod runtime: sets up and runs Triton for this repository on a GPU pod (RunPod's PyTorch image, a
# persistent volume at /workspace). Idempotent; safe to re-run. See infra/pod/README.md.
#   bash infra/pod/pod.sh up [--restart] [--dry-run]
#   bash infra/pod/pod.sh status [--json]
#   bash infra/pod/pod.sh stop
#   bash infra/pod/pod.sh logs [--follow] [--lines N]
# The logic is a standard-library Python module (musicgen_pod/) run by the machine's python3
# (MUSICGEN_POD_PYTHON overrides which), so that it is unit-tested like the rest of infra/.
set -euo pipefail
case "${BASH_SOURCE[0]}" in
  */*) here="${BASH_SOURCE[0]%/*}" ;;
  *) here="." ;;
esac
python="${MUSICGEN_POD_PYTHON:-$(command -v python3 || true)}"
if [ -z "$python" ]; then
  echo "musicgen-pod: Cannot run as python3 is not on PATH: install Python 3.10 or newer" >&2
  exit 13
fi
exec "$python" -s "$here/main.py" "$@"
