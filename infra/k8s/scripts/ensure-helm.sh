#!/usr/bin/env bash
# Makes sure the pinned Helm binary exists in the tools cache, building it once from its Go module
# (the Go module proxy is the only source: no release download). Idempotent and safe to run twice
# at once (a lock); prints the binary's path on stdout, progress on stderr.
#
#   bash infra/k8s/scripts/ensure-helm.sh          # -> $env_root/helm-v3.22.0/helm
#
# Go: a `go` on PATH of at least the version Helm's go.mod asks for is used as it is. Otherwise (Debian
# 12 ships Go 1.19) the Go toolchain itself is fetched from the Go module proxy as the module
# golang.org/toolchain, checked against the SHA-256 pinned below, into the same cache. Helm's module
# and its dependencies are verified by the go command against the checksum database (through the proxy).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../triton/scripts/env.sh
source "$here/../../triton/scripts/env.sh"

HELM_VERSION=v3.22.0
GO_MIN=1.26.0                      # helm v3.22.0's go.mod: `go 1.26.0`
GO_TOOLCHAIN=go1.26.8
GO_TOOLCHAIN_SHA256=30c2b1bf7dcc88d3eb0a1364e47ddd9128edb3110a30e8a0ef61cd5856b31de7   # linux-amd64 zip
GOPROXY_URL="${GOPROXY:-https://proxy.golang.org}"
GOPROXY_URL="${GOPROXY_URL%%,*}"

helm_dir="$env_root/helm-$HELM_VERSION"
helm="$helm_dir/helm"
stamp="$helm_dir/.built"   # written last: a binary without it was cut short
log() { echo "ensure-helm: $*" >&2; }

mkdir -p "$env_root"
command -v flock >/dev/null || { log "flock is missing; install util-linux"; exit 1; }
exec 7>"$helm_dir.lock"
flock 7
if [ -x "$helm" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$HELM_VERSION" ]; then
  echo "$helm"
  exit 0
fi

version_ok() { # go version string (go1.26.8) >= GO_MIN
  local have="${1#go}"
  [ "$(printf '%s\n%s\n' "$GO_MIN" "$have" | sort -V | head -1)" = "$GO_MIN" ]
}
go_bin=""
if command -v go >/dev/null; then
  have="$(go env GOVERSION 2>/dev/null || true)"
  if version_ok "$have"; then go_bin="$(command -v go)"; else log "go on PATH is $have, older than $GO_MIN"; fi
fi
if [ -z "$go_bin" ]; then
  [ "$(uname -m)" = x86_64 ] || { log "Cannot fetch Go as only linux-amd64 is pinned here: install Go >= $GO_MIN"; exit 1; }
  tc="$env_root/go-$GO_TOOLCHAIN"
  if [ ! -x "$tc/bin/go" ]; then
    log "fetching the Go toolchain $GO_TOOLCHAIN (module golang.org/toolchain) from the Go module proxy"
    tmp="$(mktemp -d "$env_root/go-fetch.XXXXXX")"
    curl -fsS --retry 3 -o "$tmp/go.zip" "$GOPROXY_URL/golang.org/toolchain/@v/v0.0.1-$GO_TOOLCHAIN.linux-amd64.zip"
    echo "$GO_TOOLCHAIN_SHA256  $tmp/go.zip" | sha256sum -c --quiet - || { log "Cannot use the Go toolchain as its SHA-256 differs from the pinned one"; exit 1; }
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$tmp/go.zip" "$tmp/x"
    root="$tmp/x/golang.org/toolchain@v0.0.1-$GO_TOOLCHAIN.linux-amd64"
    chmod +x "$root"/bin/* "$root"/pkg/tool/linux_amd64/*   # a zip keeps no modes
    rm -rf "$tc"
    mv "$root" "$tc"
    rm -rf "$tmp"
  fi
  go_bin="$tc/bin/go"
fi

log "building helm $HELM_VERSION with $("$go_bin" env GOVERSION) (a few minutes, once)"
build="$(mktemp -d "$env_root/helm-build.XXXXXX")"
trap 'rm -rf "$build"' EXIT
rm -f "$stamp"
mkdir -p "$helm_dir"
env -u GOFLAGS GOTOOLCHAIN=local GOROOT="$("$go_bin" env GOROOT)" GOPATH="$build/gopath" \
  GOMODCACHE="$build/mod" GOCACHE="$build/cache" GOBIN="$helm_dir" CGO_ENABLED=0 \
  "$go_bin" install -trimpath -ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
chmod -R u+w "$build" 2>/dev/null || true   # the module cache is read-only
"$helm" version --short >&2
echo "$HELM_VERSION" >"$stamp"
echo "$helm"
