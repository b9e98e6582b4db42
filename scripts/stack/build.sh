#!/usr/bin/env bash
# Builds etcd, kube-apiserver and versitygw from the Go module proxy into a cache outside the clone.
# The cache (FERRY_CACHE, default ~/.cache/ferry) holds the binaries and Go's module and build caches,
# so a fresh clone on the same machine reuses them. A binary is rebuilt only when its version changes.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
cache="${FERRY_CACHE:-$HOME/.cache/ferry}"
bin="$cache/bin"
mkdir -p "$bin" "$cache/src"
export GOMODCACHE="$cache/gomod" GOCACHE="$cache/gobuild" GOPATH="$cache/gopath"
export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local

step() { printf '[stack build] %s\n' "$*" >&2; }

# write_wrapper DIR MODULE: a wrapper module folder with go.mod and main.go from stdin.
write_main() { mkdir -p "$1"; cat > "$1/main.go"; }

build_etcd() {
  local out="$bin/etcd-$ETCD_VERSION" dir="$cache/src/etcd-$ETCD_VERSION"
  [[ -x "$out" ]] && { step "etcd $ETCD_VERSION: cached"; return; }
  step "etcd $ETCD_VERSION: building (wrapper module $dir)"
  write_main "$dir" <<'GO'
// Command etcd: the etcd server, built from go.etcd.io/etcd/server/v3 for Ferry's local stack.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (cd "$dir" && rm -f go.mod go.sum && go mod init ferry.local/etcd >/dev/null 2>&1 \
    && go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" && go mod tidy \
    && go build -trimpath -ldflags '-s -w' -o "$out.tmp" . && mv "$out.tmp" "$out")
  step "etcd $ETCD_VERSION: built"
}

build_kube() {
  local out="$bin/kube-apiserver-$KUBE_VERSION" dir="$cache/src/kube-apiserver-$KUBE_VERSION"
  [[ -x "$out" ]] && { step "kube-apiserver $KUBE_VERSION: cached"; return; }
  step "kube-apiserver $KUBE_VERSION: downloading upstream go.mod"
  local upstream staging ver="${KUBE_VERSION#v1.}"
  staging="v0.${ver}"
  upstream="$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')"
  mkdir -p "$dir"
  {
    echo "module ferry.local/kube-apiserver"
    echo
    grep -E '^(go|godebug) ' "$upstream"
    echo
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    echo
    # Every staging module upstream replaces with ./staging/src/... comes from the proxy at v0.<minor>.<patch>.
    grep -oE '^\s*k8s\.io/[a-z0-9-]+ => \./staging/src/k8s\.io/[a-z0-9-]+' "$upstream" \
      | awk -v v="$staging" '{print "replace " $1 " => " $1 " " v}'
  } > "$dir/go.mod"
  step "kube-apiserver $KUBE_VERSION: $(grep -c '^replace' "$dir/go.mod") staging replaces; resolving modules"
  write_main "$dir" <<'GO'
// Command kube-apiserver: the Kubernetes API server, built from k8s.io/kubernetes for Ferry's local stack.
package main

import (
	"os"
	_ "time/tzdata"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() { os.Exit(cli.Run(app.NewAPIServerCommand())) }
GO
  local minor="${ver%%.*}" ld=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  (cd "$dir" && rm -f go.sum && go mod tidy \
    && step "kube-apiserver $KUBE_VERSION: compiling (several minutes on 2 cores)" \
    && go build -trimpath -ldflags "-s -w$ld" -o "$out.tmp" . && mv "$out.tmp" "$out")
  step "kube-apiserver $KUBE_VERSION: built"
}

build_versitygw() {
  local out="$bin/versitygw-$VERSITYGW_VERSION"
  [[ -x "$out" ]] && { step "versitygw $VERSITYGW_VERSION: cached"; return; }
  step "versitygw $VERSITYGW_VERSION: building"
  local gobin="$cache/src/versitygw-$VERSITYGW_VERSION"
  mkdir -p "$gobin"
  GOBIN="$gobin" GOFLAGS= go install -trimpath -ldflags '-s -w' "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
  mv "$gobin/versitygw" "$out"
  step "versitygw $VERSITYGW_VERSION: built"
}

build_etcd
build_versitygw
build_kube
step "all built in $bin"
