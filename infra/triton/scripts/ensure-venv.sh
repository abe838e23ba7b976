#!/usr/bin/env bash
# Makes a Python virtual environment complete and up to date with a requirements file, safely when
# several processes (two `npm test` at once, two Nx tasks) run it at the same moment.
#
# Usage: ensure-venv.sh VENV REQUIREMENTS [--python PY] [--check CODE]
#   --python   the interpreter the venv is made from (default /usr/bin/python3)
#   --check    Python code that must run in the finished venv (e.g. "import torch, transformers")
#
# - One setup at a time per venv: an exclusive lock on VENV.lock (flock), held until the venv is
#   complete, so nobody installs into or uses a venv another process is still making.
# - Complete means: the interpreter runs pip, and VENV/.requirements equals REQUIREMENTS (written last,
#   after pip succeeded). A venv with no stamp whose pip does not run was cut short (a killed setup):
#   it is deleted and made again. A changed requirements file is installed over the existing venv.
set -euo pipefail
venv="${1:?usage: ensure-venv.sh VENV REQUIREMENTS [options]}"
requirements="${2:?usage: ensure-venv.sh VENV REQUIREMENTS [options]}"
shift 2
python=/usr/bin/python3
check=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    --python) python="$2"; shift 2 ;;
    --check) check="$2"; shift 2 ;;
    *) echo "ensure-venv.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
command -v flock >/dev/null || { echo "ensure-venv.sh: flock is missing; install util-linux" >&2; exit 1; }
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9

stamp="$venv/.requirements"
pip_runs() { [ -x "$venv/bin/python" ] && "$venv/bin/python" -m pip --version >/dev/null 2>&1; }
if [ -e "$venv" ] && [ ! -f "$stamp" ] && ! pip_runs; then
  echo "ensure-venv.sh: $venv is half made (no pip, no stamp); making it again" >&2
  rm -rf "$venv"
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "ensure-venv.sh: making $venv"
  "$python" -m venv "$venv"
fi
if ! cmp -s "$requirements" "$stamp"; then
  rm -f "$stamp"
  echo "ensure-venv.sh: installing $(basename "$requirements") into $venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$stamp"
fi
if [ -n "$check" ] && ! "$venv/bin/python" -c "$check" >/dev/null 2>&1; then
  echo "ensure-venv.sh: the environment in $venv fails its check ($check); delete it and run again" >&2
  exit 1
fi
