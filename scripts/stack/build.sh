#!/usr/bin/env bash
# Builds etcd, the Kubernetes binaries (kube-apiserver, kube-controller-manager, kube-scheduler, kubelet),
# versitygw and the stack's node tool and pause process from the Go module proxy into a cache outside the clone.
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

# need_go: a build is due; Go must be there (the binaries already built need none).
need_go() {
  command -v go >/dev/null 2>&1 && return 0
  step "building the local stack needs Go 1.26 or newer (go.dev/dl, or your distribution's golang package if it is that new)"
  exit 1
}

# One build at a time per cache: several clones' stacks may start at once. Velero (`build.sh velero`, only the
# interop tests need it) has its own lock, so that its first build does not hold every stack's start; Go's module and
# build caches are safe for concurrent go commands.
lock="$cache/build.lock"
[[ "${1:-}" == velero* ]] && lock="$cache/build-velero.lock"
exec 9> "$lock"
if ! flock -n 9; then step "another build is running in $cache ($(basename "$lock")): waiting for it"; flock 9; fi

# write_wrapper DIR MODULE: a wrapper module folder with go.mod and main.go from stdin.
write_main() { mkdir -p "$1"; cat > "$1/main.go"; }

build_etcd() {
  local out="$bin/etcd-$ETCD_VERSION" dir="$cache/src/etcd-$ETCD_VERSION"
  [[ -x "$out" ]] && { step "etcd $ETCD_VERSION: cached"; return; }
  need_go
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

# kube_main COMPONENT: the main.go of one Kubernetes component, as upstream's cmd/<component> has it.
kube_main() {
  local pkg="k8s.io/kubernetes/cmd/$1/app" make context=""
  case "$1" in
    kube-apiserver) make='app.NewAPIServerCommand()' ;;
    kube-controller-manager) make='app.NewControllerManagerCommand()' ;;
    kube-scheduler) make='app.NewSchedulerCommand()' ;;
    # NOTE: since 1.34 the kubelet's command takes the context its components stop with.
    kubelet) make='app.NewKubeletCommand(context.Background())' context=$'\t"context"\n' ;;
    *) echo "no main for $1" >&2; return 1 ;;
  esac
  cat <<GO
// Command $1: built from k8s.io/kubernetes for Ferry's local stack (scripts/stack/build.sh writes this file).
package main

import (
${context}	"os"
	_ "time/tzdata"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"$pkg"
)

func main() { os.Exit(cli.Run($make)) }
GO
}

# The wrapper module every Kubernetes binary and the stack's node tool are built in: upstream's go.mod turned into
# a module that requires k8s.io/kubernetes, with every staging module taken from the proxy at v0.<minor>.<patch>.
kube_module() {
  local dir="$cache/src/kube-$KUBE_VERSION" upstream staging ver="${KUBE_VERSION#v1.}"
  staging="v0.${ver}"
  if [[ ! -f "$dir/go.mod" ]]; then
    step "kubernetes $KUBE_VERSION: downloading upstream go.mod"
    upstream="$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')"
    mkdir -p "$dir"
    {
      echo "module ferry.local/kube"
      echo
      grep -E '^(go|godebug) ' "$upstream"
      echo
      echo "require k8s.io/kubernetes $KUBE_VERSION"
      echo
      grep -oE '^\s*k8s\.io/[a-z0-9-]+ => \./staging/src/k8s\.io/[a-z0-9-]+' "$upstream" \
        | awk -v v="$staging" '{print "replace " $1 " => " $1 " " v}'
    } > "$dir/go.mod.tmp"
    mv "$dir/go.mod.tmp" "$dir/go.mod"
  fi
  echo "$dir"
}

# kube_ldflags: the version every Kubernetes binary reports (without it, v0.0.0-master).
kube_ldflags() {
  local minor="${KUBE_VERSION#v1.}" ld="-s -w"
  minor="${minor%%.*}"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  echo "$ld"
}

# build_in_kube_module NAME OUT: builds ./cmd/NAME of the wrapper module into OUT (tidying the module first).
build_in_kube_module() {
  local name="$1" out="$2" dir
  dir="$(kube_module)"
  (cd "$dir" && go mod tidy >/dev/null \
    && step "$name: compiling (several minutes on 2 cores the first time)" \
    && go build -trimpath -ldflags "$(kube_ldflags)" -o "$out.tmp" "./cmd/$name" && mv "$out.tmp" "$out")
}

build_kube() { # build_kube COMPONENT
  local out="$bin/$1-$KUBE_VERSION" dir
  [[ -x "$out" ]] && { step "$1 $KUBE_VERSION: cached"; return; }
  need_go
  dir="$(kube_module)"
  mkdir -p "$dir/cmd/$1"
  kube_main "$1" > "$dir/cmd/$1/main.go"
  build_in_kube_module "$1" "$out"
  step "$1 $KUBE_VERSION: built"
}

# content_hash FILE...: a short hash of files' contents, naming builds of the stack's own sources.
content_hash() { cat "$@" | sha256sum | cut -c1-12; }

# build_node_tool: scripts/stack/node/tool (provisioner, CRI reset) in the wrapper module, named by its sources.
build_node_tool() {
  local hash out dir
  hash="$(content_hash "$here"/node/tool/*.go "$here/versions.env")"
  out="$bin/ferry-node-$hash"
  [[ -x "$out" ]] && { step "ferry-node $hash: cached"; return; }
  need_go
  dir="$(kube_module)"
  rm -rf "$dir/cmd/ferry-node" && mkdir -p "$dir/cmd/ferry-node" && cp "$here"/node/tool/*.go "$dir/cmd/ferry-node/"
  build_in_kube_module ferry-node "$out"
  ln -sfn "$(basename "$out")" "$bin/ferry-node"
  step "ferry-node $hash: built"
}

# build_pause: the sandbox process, standard library only, static.
build_pause() {
  local hash out dir="$cache/src/pause"
  hash="$(content_hash "$here/node/pause/main.go")"
  out="$bin/ferry-pause-$hash"
  [[ -x "$out" ]] && { step "pause $hash: cached"; return; }
  need_go
  mkdir -p "$dir" && cp "$here/node/pause/main.go" "$dir/"
  (cd "$dir" && { [[ -f go.mod ]] || go mod init ferry.local/pause >/dev/null 2>&1; } \
    && go build -trimpath -ldflags '-s -w' -o "$out.tmp" . && mv "$out.tmp" "$out")
  ln -sfn "$(basename "$out")" "$bin/ferry-pause"
  step "pause $hash: built"
}

build_versitygw() {
  local out="$bin/versitygw-$VERSITYGW_VERSION"
  [[ -x "$out" ]] && { step "versitygw $VERSITYGW_VERSION: cached"; return; }
  need_go
  step "versitygw $VERSITYGW_VERSION: building"
  local gobin="$cache/src/versitygw-$VERSITYGW_VERSION"
  mkdir -p "$gobin"
  GOBIN="$gobin" GOFLAGS= go install -trimpath -ldflags '-s -w' "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
  mv "$gobin/versitygw" "$out"
  step "versitygw $VERSITYGW_VERSION: built"
}

# The kopia fork Velero builds its data mover with (kopia's CLI, package main at the module root). Kept here, not in
# versions.env, so that a change to it does not rename the node tool's build.
KOPIA_REPLACE="github.com/project-velero/kopia v0.0.0-20251230033609-d946b1e75197"

# build_kopia: the volume mover's engine, built the way Velero builds it: a wrapper module that requires
# github.com/kopia/kopia with a replace to the fork above; the binary is the module root's main package.
build_kopia() {
  local ver="${KOPIA_REPLACE#* }" out dir
  out="$bin/kopia-$ver" dir="$cache/src/kopia-$ver"
  [[ -x "$out" ]] && { step "kopia $ver: cached"; return; }
  need_go
  step "kopia $ver: building (wrapper module $dir; several minutes on 2 cores the first time)"
  mkdir -p "$dir"
  cat > "$dir/go.mod" <<MOD
module ferry.local/kopia

go 1.24

require github.com/kopia/kopia v0.22.3

replace github.com/kopia/kopia => $KOPIA_REPLACE
MOD
  (cd "$dir" && go mod download github.com/kopia/kopia \
    && go build -trimpath -ldflags "-s -w -X github.com/kopia/kopia/repo.BuildVersion=$ver -X github.com/kopia/kopia/repo.BuildGitHubRepo=project-velero/kopia" \
      -o "$out.tmp" github.com/kopia/kopia && mv "$out.tmp" "$out")
  ln -sfn "$(basename "$out")" "$bin/kopia"
  step "kopia $ver: built"
}

# build_kubectl: kubectl at the stack's Kubernetes version, for the README's walk-through (stack.sh up puts the
# cache's bin folder first on the PATH its env file gives). Built in the wrapper module as upstream's cmd/kubectl.
build_kubectl() {
  local out="$bin/kubectl-$KUBE_VERSION" dir
  [[ -x "$out" ]] && { step "kubectl $KUBE_VERSION: cached"; ln -sfn "$(basename "$out")" "$bin/kubectl"; return; }
  need_go
  dir="$(kube_module)"
  mkdir -p "$dir/cmd/kubectl"
  cat > "$dir/cmd/kubectl/main.go" <<'GO'
// Command kubectl: built from k8s.io/kubectl for Ferry's local stack (scripts/stack/build.sh writes this file).
package main

import (
	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"

	_ "k8s.io/client-go/plugin/pkg/client/auth"
)

func main() {
	command := cmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		util.CheckErr(err)
	}
}
GO
  build_in_kube_module kubectl "$out"
  ln -sfn "$(basename "$out")" "$bin/kubectl"
  step "kubectl $KUBE_VERSION: built"
}

# The CSI snapshot API's CRDs (snapshot.storage.k8s.io/v1), as kubernetes-csi/external-snapshotter publishes them in
# its client module's config/crd; stack.sh installs them into each plane. Pinned here, like kopia, for the same reason.
SNAPSHOT_CLIENT_VERSION=v8.7.0

# fetch_snapshot_crds: the three snapshot CRDs from the Go module proxy into $cache/crds/snapshot-<version>/.
fetch_snapshot_crds() {
  local out="$cache/crds/snapshot-$SNAPSHOT_CLIENT_VERSION" src kind
  [[ -f "$out/volumesnapshots.yaml" ]] && { step "snapshot CRDs $SNAPSHOT_CLIENT_VERSION: cached"; return; }
  need_go
  src="$(go mod download -json "github.com/kubernetes-csi/external-snapshotter/client/v8@$SNAPSHOT_CLIENT_VERSION" | sed -n 's/.*"Dir": "\(.*\)",*/\1/p')"
  mkdir -p "$out.tmp"
  for kind in volumesnapshotclasses volumesnapshotcontents volumesnapshots; do
    grep -v '^---$' "$src/config/crd/snapshot.storage.k8s.io_$kind.yaml" > "$out.tmp/$kind.yaml"
  done
  rm -rf "$out" && mv "$out.tmp" "$out"
  ln -sfn "$(basename "$out")" "$cache/crds/snapshot"
  step "snapshot CRDs $SNAPSHOT_CLIENT_VERSION: fetched"
}

# build_kopia_lambda: the same kopia for the expire function (linux/arm64, serverless.yml's architecture): expiry
# deletes a backup's kopia snapshots and runs repository maintenance from the function itself.
# Built only when asked: `scripts/stack/build.sh kopia-lambda` (scripts/build/kopia-bundle.ts runs it).
build_kopia_lambda() {
  local ver="${KOPIA_REPLACE#* }" out dir
  out="$bin/kopia-$ver-linux-arm64" dir="$cache/src/kopia-$ver"
  [[ -x "$out" ]] && { step "kopia $ver linux/arm64: cached"; return; }
  [[ -f "$dir/go.mod" ]] || build_kopia
  need_go
  step "kopia $ver linux/arm64: building (several minutes on 2 cores the first time)"
  (cd "$dir" && GOOS=linux GOARCH=arm64 go build -trimpath -ldflags "-s -w -X github.com/kopia/kopia/repo.BuildVersion=$ver -X github.com/kopia/kopia/repo.BuildGitHubRepo=project-velero/kopia" \
      -o "$out.tmp" github.com/kopia/kopia && mv "$out.tmp" "$out")
  step "kopia $ver linux/arm64: built ($out)"
}

if [[ "${1:-}" == kopia-lambda ]]; then build_kopia_lambda; exit 0; fi

# Velero and its AWS object store plugin, for the interop tests and bench/velero.ts (never for the stack itself).
VELERO_VERSION=v1.18.1
VELERO_AWS_VERSION=v1.14.3
# NOTE: the proxy refuses k8s.io/cli-runtime and k8s.io/kube-aggregator at Velero's v0.33.11, so every k8s.io module
# Velero requires is raised to this patch release in the same `go get`.
VELERO_K8S_VERSION=v0.33.13

# build_velero: `velero` and the plugin in one wrapper module (require both, Velero's kopia replace, k8s.io raised).
# Prints "<velero binary> <plugin dir>" on stdout; the plugin dir holds only the plugin, as `velero server
# --plugin-dir` wants (it runs every executable in it).
build_velero() {
  local out="$bin/velero-$VELERO_VERSION" plugins="$bin/velero-plugins-$VELERO_AWS_VERSION"
  local plugin="$plugins/velero-plugin-for-aws" dir="$cache/src/velero-$VELERO_VERSION-aws-$VELERO_AWS_VERSION"
  local pkg=github.com/vmware-tanzu/velero aws=github.com/vmware-tanzu/velero-plugin-for-aws k8s
  if [[ -x "$out" && -x "$plugin" ]]; then
    step "velero $VELERO_VERSION, plugin for aws $VELERO_AWS_VERSION: cached"
  else
    need_go
    step "velero $VELERO_VERSION, plugin for aws $VELERO_AWS_VERSION: building (wrapper module $dir; minutes on 2 cores)"
    mkdir -p "$dir/tools" "$plugins"
    cat > "$dir/tools/tools.go" <<'GO'
//go:build tools

// Package tools pins the commands this wrapper module builds (scripts/stack/build.sh writes this file).
package tools

import (
	_ "github.com/vmware-tanzu/velero-plugin-for-aws/velero-plugin-for-aws"
	_ "github.com/vmware-tanzu/velero/cmd/velero"
)
GO
    k8s="$(go mod download -json "$pkg@$VELERO_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p' \
      | xargs grep -oE '^\s*k8s\.io/[a-z0-9-]+ v0\.[1-9][0-9]*\.[0-9]+(\s|$)' | awk -v v="$VELERO_K8S_VERSION" '{print $1 "@" v}')"
    # shellcheck disable=SC2086 # one argument per k8s.io module
    (cd "$dir" && rm -f go.mod go.sum && go mod init ferry.local/velero >/dev/null 2>&1 \
      && go mod edit -replace "github.com/kopia/kopia=${KOPIA_REPLACE% *}@${KOPIA_REPLACE#* }" \
      && go get "$pkg@$VELERO_VERSION" "$aws@$VELERO_AWS_VERSION" $k8s && go mod tidy \
      && go build -trimpath -ldflags "-s -w -X $pkg/pkg/buildinfo.Version=$VELERO_VERSION -X $pkg/pkg/buildinfo.GitTreeState=clean" \
        -o "$out.tmp" "$pkg/cmd/velero" && mv "$out.tmp" "$out" \
      && go build -trimpath -ldflags '-s -w' -o "$plugin.tmp" "$aws/velero-plugin-for-aws" && mv "$plugin.tmp" "$plugin")
    step "velero $VELERO_VERSION, plugin for aws $VELERO_AWS_VERSION: built"
  fi
  echo "$out $plugins"
}

# build_velero_image: Velero's own image for its node-agent, the fs-backup and restore pods it starts (`velero
# pod-volume backup|restore`) and the restore-wait init container (`/velero-restore-helper`), as an OCI archive for
# `ctr images import`: the static velero binary and the restore helper built in build_velero's wrapper module.
# Prints "<archive> <image name>" on stdout, for Velero's image and then its AWS plugin's. Only the fs-backup interop test needs it (Velero's images cannot be pulled here).
build_velero_image() {
  local out="$bin/velero-image-$VELERO_VERSION.tar" helper="$bin/velero-restore-helper-$VELERO_VERSION"
  local dir="$cache/src/velero-$VELERO_VERSION-aws-$VELERO_AWS_VERSION" velero name="docker.io/velero/velero:$VELERO_VERSION"
  velero="$(build_velero | cut -d' ' -f1)"
  if [[ ! -x "$helper" ]]; then
    need_go
    step "velero-restore-helper $VELERO_VERSION: building"
    (cd "$dir" && go build -trimpath -ldflags '-s -w' -o "$helper.tmp" github.com/vmware-tanzu/velero/cmd/velero-restore-helper \
      && mv "$helper.tmp" "$helper")
  fi
  if [[ ! -f "$out" || "$out" -ot "$velero" || "$out" -ot "$helper" ]]; then
    python3 "$here/node/image.py" --out "$out.tmp" --file "$velero=velero" --file "$helper=velero-restore-helper" \
      --dir tmp --dir scratch --entrypoint '["/velero"]' --name "$name" && mv "$out.tmp" "$out"
  fi
  # The AWS plugin's image: its init container copies the plugin into the server pod's /plugins, as upstream's does.
  local plugin_out="$bin/velero-plugin-image-$VELERO_AWS_VERSION.tar" plugin plugin_name="docker.io/velero/velero-plugin-for-aws:$VELERO_AWS_VERSION"
  plugin="$(build_velero | cut -d' ' -f2)/velero-plugin-for-aws"
  if [[ ! -f "$plugin_out" || "$plugin_out" -ot "$plugin" ]]; then
    python3 "$here/node/image.py" --out "$plugin_out.tmp" --file /bin/busybox=bin/busybox --link busybox=bin/cp \
      --file "$plugin=plugins/velero-plugin-for-aws" --entrypoint '["/bin/cp","/plugins/velero-plugin-for-aws","/target/."]' \
      --name "$plugin_name" && mv "$plugin_out.tmp" "$plugin_out"
  fi
  echo "$out $name"
  echo "$plugin_out $plugin_name"
}

if [[ "${1:-}" == velero ]]; then build_velero; exit 0; fi
if [[ "${1:-}" == velero-image ]]; then build_velero_image; exit 0; fi

build_etcd
build_versitygw
build_kube kube-apiserver
build_pause
for component in kube-scheduler kube-controller-manager kubelet; do build_kube "$component"; done
build_node_tool
build_kopia
build_kubectl
fetch_snapshot_crds
step "all built in $bin"
