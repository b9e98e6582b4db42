# Sourced by stack.sh: each plane's controllers, scheduler and node (a kubelet with its own containerd), the
# images the stack builds on this machine, a provisioner for the volumes pods mount, and their teardown.
# Uses stack.sh's helpers: say, start, running, wait_for, port_of, stop_one, and its variables.
# shellcheck shell=bash

# Debian packages a node needs; installed when missing (as root), named otherwise.
NODE_PACKAGES=(containerd runc containernetworking-plugins busybox-static iptables)
PAUSE_IMAGE=ferry.local/pause:1
WEB_IMAGE=ferry.local/web:1
# The seed's image in the source, and what its ApplicationRestore's imageRegistryMapping makes of it in the target:
# "the image must be synchronized in advance" to the target's registry, as the article says.
SEED_IMAGE=anolis-registry.cn-zhangjiakou.cr.aliyuncs.com/openanolis/nginx:1.14.1-8.6
SEED_IMAGE_MAPPED=registry.cn-beijing.aliyuncs.com/ferry-demo/nginx:1.14.1-8.6
# Nodes are named after their plane; the source's carries the seed's data-centre label.
node_name() { echo "$1-node"; }
node_labels() { [[ "$1" == source ]] && echo "is_idc=true" || echo ""; }
node_images() { [[ "$1" == source ]] && echo "$SEED_IMAGE $WEB_IMAGE" || echo "$SEED_IMAGE_MAPPED $WEB_IMAGE"; }
NODE_READY_SECONDS="${FERRY_NODE_READY_SECONDS:-180}"
# What a plane's node part runs, each under its pid file <plane>-<name>.pid.
NODE_PROCESSES=(controller-manager scheduler containerd kubelet provisioner)
# FERRY_KUBELET_ARGS: extra kubelet flags for both nodes (e.g. --v=4 to see more in .stack/logs/<plane>-kubelet.log).

nodes_enabled() { [[ "${FERRY_STACK_NODES:-1}" != 0 ]]; }

ensure_node_packages() {
  local missing=() p
  ensure_inotify
  for p in "${NODE_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  ((${#missing[@]} == 0)) && return 0
  if [[ "$(id -u)" != 0 ]]; then
    say "nodes need Debian packages that are missing: ${missing[*]} (sudo apt-get install ${missing[*]}), or FERRY_STACK_NODES=0 for control planes only"
    return 1
  fi
  say "installing Debian packages for the nodes: ${missing[*]}"
  { apt-get install -y -qq "${missing[@]}" || { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; }; } \
    > "$state/logs/apt.log" 2>&1 || { say "apt-get failed; last lines:"; tail -n 20 "$state/logs/apt.log" >&2; return 1; }
}

# NOTE: every kubelet and containerd holds inotify instances (cadvisor, the CNI config monitor); with the default of
# 128 per user, a second stack on the machine leaves containerd without its CRI plugin ("too many open files").
ensure_inotify() {
  local key value want
  for key in max_user_instances:8192 max_user_watches:524288; do
    want="${key#*:}"; key="fs.inotify.${key%%:*}"
    value="$(sysctl -n "$key")"
    ((value >= want)) && continue
    if [[ "$(id -u)" == 0 ]]; then sysctl -qw "$key=$want"; else say "$key is $value: raise it to $want (sysctl -w $key=$want)"; fi
  done
}

# A /24 for each plane's pod bridge, claimed machine-wide (several clones may run stacks at once): 10.244.N.0/24 on
# bridge ferryN. The claim is a folder in /run that names the state folder owning it.
claim_subnet() { # claim_subnet PLANE: prints N
  local f="$state/$1.subnet" n claims=/run/ferry-stack
  if [[ -f "$f" ]]; then cat "$f"; return; fi
  mkdir -p "$claims"
  for ((n = 10; n < 250; n++)); do
    if mkdir "$claims/net-$n" 2>/dev/null; then
      echo "$state $1" > "$claims/net-$n/owner"; echo "$n" > "$f"; echo "$n"; return
    fi
    # A claim whose owner's state folder is gone is stale (a clone deleted without `down`): take it over.
    if [[ ! -d "$(cut -d' ' -f1 "$claims/net-$n/owner" 2>/dev/null)" ]]; then
      echo "$state $1" > "$claims/net-$n/owner"; echo "$n" > "$f"; echo "$n"; return
    fi
  done
  say "no free pod subnet in /run/ferry-stack (240 claimed)"; return 1
}

release_subnet() { # release_subnet PLANE
  local f="$state/$1.subnet" n
  [[ -f "$f" ]] || return 0
  n="$(cat "$f")"
  # A sandbox torn down a moment ago may still hold the bridge: try again for a few seconds, and say so if it stays.
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    ip link show "ferry$n" >/dev/null 2>&1 || break
    ip link del "ferry$n" 2>/dev/null || sleep 0.5
  done
  ip link show "ferry$n" >/dev/null 2>&1 && say "$1: could not delete bridge ferry$n"
  rm -rf "/run/ferry-stack/net-$n" "$f"
}

# make_bridge N: the plane's pod bridge with its gateway address, made before the first pod so that the kubelet can
# serve on it (a node's address must not be a loopback one). The CNI bridge plugin finds it and uses it.
make_bridge() {
  local n="$1"
  ip link show "ferry$n" >/dev/null 2>&1 || ip link add "ferry$n" type bridge
  # NOTE: not `ip addr show | grep -q`: under pipefail, grep's early exit can fail the pipe and add the address twice.
  [[ "$(ip -4 addr show dev "ferry$n")" == *" 10.244.$n.1/24 "* ]] || ip addr add "10.244.$n.1/24" dev "ferry$n"
  ip link set "ferry$n" up
}

# The images: busybox from Debian's busybox-static and the stack's pause binary, as OCI archives, per plane.
build_images() { # build_images PLANE: prints the archive paths
  local plane="$1" dir="$state/images" names=() name
  mkdir -p "$dir"
  python3 "$here/node/image.py" --out "$dir/pause.tar" --file "$bin/ferry-pause=pause" \
    --entrypoint '["/pause"]' --name "$PAUSE_IMAGE"
  for name in $(node_images "$plane"); do names+=(--name "$name"); done
  # The stand-in for the seed's nginx: busybox httpd serving /usr/share/nginx/html on port 80. A shell with a trap
  # runs it: PID 1 ignores a SIGTERM it has no handler for, and each pod would then take its whole grace period to stop.
  python3 "$here/node/image.py" --out "$dir/web-$plane.tar" --file /bin/busybox=bin/busybox \
    --link busybox=bin/sh --dir usr/share/nginx/html --dir tmp \
    --entrypoint '["/bin/sh","-c","trap \"exit 0\" TERM INT; /bin/busybox httpd -f -v -p 80 -h /usr/share/nginx/html & wait"]' \
    --port 80 "${names[@]}"
  build_mover_image "$dir/mover.tar"
  echo "$dir/pause.tar $dir/web-$plane.tar $dir/mover.tar"
}

# mover_image: the volume mover's image name, ferry.local/mover:<hash of kopia and busybox>, also written to
# .stack/mover.image for the tests and the config.
mover_image() { echo "ferry.local/mover:$(cat "$bin/kopia" /bin/busybox | sha256sum | cut -c1-12)"; }

# build_mover_image OUT: kopia (built by build.sh) and busybox's sh, grep, tail, mkdir and cat, nothing else; the
# mover Job runs its script with /bin/sh and writes only to its /tmp (an emptyDir: the root filesystem is read-only).
build_mover_image() {
  local out="$1" image
  image="$(mover_image)"
  if [[ ! -f "$out" || "$(cat "$state/mover.image" 2>/dev/null)" != "$image" ]]; then
    python3 "$here/node/image.py" --out "$out" --file "$bin/kopia=kopia" --file /bin/busybox=bin/busybox \
      --link busybox=bin/sh --link busybox=bin/grep --link busybox=bin/tail --link busybox=bin/mkdir --link busybox=bin/cat \
      --dir tmp --entrypoint '["/kopia"]' --name "$image"
  fi
  echo "$image" > "$state/mover.image"
}

write_containerd_config() { # write_containerd_config PLANE DIR SUBNET
  local plane="$1" dir="$2" n="$3"
  mkdir -p "$dir/containerd" "$dir/cni" "$dir/ipam"
  # NOTE: restrict_oom_score_adj: root in this VM lacks CAP_SYS_RESOURCE, and without it every sandbox fails
  # ("write to /proc/self/oom_score_adj: Permission denied").
  cat > "$dir/containerd.toml" <<TOML
version = 2
root = "$dir/containerd/root"
state = "$dir/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$dir/containerd.sock"
[ttrpc]
  address = "$dir/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni"
    max_conf_num = 1
TOML
  cat > "$dir/cni/10-ferry.conflist" <<JSON
{"cniVersion": "0.4.0", "name": "ferry-$plane", "plugins": [
  {"type": "bridge", "bridge": "ferry$n", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.244.$n.0/24"}]], "dataDir": "$dir/ipam",
            "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}}
]}
JSON
}

write_kubelet_config() { # write_kubelet_config PLANE DIR ADDRESS
  local dir="$2"
  mkdir -p "$dir/kubelet" "$dir/pod-logs"
  cat > "$dir/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $3
port: $(port_of "$1-kubelet")
healthzBindAddress: 127.0.0.1
healthzPort: $(port_of "$1-kubelet-healthz")
readOnlyPort: 0
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $state/pki/ca.crt}
authorization: {mode: Webhook}
containerRuntimeEndpoint: unix://$dir/containerd.sock
podLogsDir: $dir/pod-logs
# This machine kind: cgroup v1 with cgroupfs, no systemd, swap allowed, no per-QoS cgroups or allocatable enforcement.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupsPerQOS: false
enforceNodeAllocatable: []
failSwapOn: false
# Nothing is evicted and no image is collected: the stack's images cannot be pulled again.
evictionHard: {}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
makeIPTablesUtilChains: false
serializeImagePulls: false
clusterDomain: cluster.local
resolvConf: /etc/resolv.conf
YAML
}

# start_node PLANE: controllers, scheduler, containerd with the images, kubelet and provisioner of one plane.
start_node() {
  local plane="$1" dir="$state/nodes/$1" n images image
  local kc="$state/$plane.kubeconfig"
  mkdir -p "$dir"
  start "$plane-controller-manager" "$bin/kube-controller-manager-$KUBE_VERSION" --kubeconfig="$kc" \
    --authentication-kubeconfig="$kc" --authorization-kubeconfig="$kc" \
    --bind-address=127.0.0.1 --secure-port="$(port_of "$plane-controller-manager")" --leader-elect=false \
    --service-account-private-key-file="$state/pki/sa.key" --root-ca-file="$state/pki/ca.crt" \
    --cluster-signing-cert-file="$state/pki/ca.crt" --cluster-signing-key-file="$state/pki/ca.key" \
    --cluster-name="$plane" --v=1
  start "$plane-scheduler" "$bin/kube-scheduler-$KUBE_VERSION" --kubeconfig="$kc" \
    --authentication-kubeconfig="$kc" --authorization-kubeconfig="$kc" \
    --bind-address=127.0.0.1 --secure-port="$(port_of "$plane-scheduler")" --leader-elect=false --v=1

  n="$(claim_subnet "$plane")"
  write_containerd_config "$plane" "$dir" "$n"
  # NOTE: nothing is ever pulled, and no pull may leave this machine: every registry request goes to a proxy on a
  # closed local port (a manifest naming an image the stack did not import fails at once with "connection refused").
  start "$plane-containerd" env HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY= \
    containerd --config "$dir/containerd.toml"
  wait_for "$plane-containerd" 60 ctr --address "$dir/containerd.sock" version
  # A containerd whose CRI plugin failed to load still answers: the kubelet would then fail with "Unimplemented".
  if ! ctr --address "$dir/containerd.sock" plugins ls | awk '$2 == "cri" && $4 == "ok" { found = 1 } END { exit !found }'; then
    say "$plane-containerd: its CRI plugin did not load; last log lines:"
    grep -i 'cri' "$state/logs/$plane-containerd.log" | tail -n 5 >&2
    return 1
  fi
  images="$(build_images "$plane")"
  for image in $images; do # one archive per call: ctr takes the first and ignores the rest
    ctr --address "$dir/containerd.sock" -n k8s.io images import "$image" >> "$state/logs/$plane-images.log" 2>&1 \
      || { say "$plane: importing $image failed; last lines:"; tail -n 20 "$state/logs/$plane-images.log" >&2; return 1; }
  done
  make_bridge "$n"

  write_kubelet_config "$plane" "$dir" "10.244.$n.1"
  start "$plane-kubelet" "$bin/kubelet-$KUBE_VERSION" --config="$dir/kubelet.yaml" --kubeconfig="$kc" \
    --root-dir="$dir/kubelet" --cert-dir="$dir/kubelet/pki" --hostname-override="$(node_name "$plane")" \
    --node-ip="10.244.$n.1" --node-labels="$(node_labels "$plane")" --v=1 ${FERRY_KUBELET_ARGS:-}
  start "$plane-provisioner" "$bin/ferry-node" provision --kubeconfig="$kc" --node="$(node_name "$plane")" --dir="$dir/volumes"
}

# node_ready PLANE: true when the plane's node reports Ready.
node_ready() {
  curl -fsS --cacert "$state/pki/ca.crt" -H "Authorization: Bearer $(cat "$state/admin.token")" \
    "https://127.0.0.1:$(port_of "$1")/api/v1/nodes/$(node_name "$1")" \
    | python3 -c 'import json,sys; n=json.load(sys.stdin); sys.exit(0 if any(c["type"]=="Ready" and c["status"]=="True" for c in n["status"].get("conditions",[])) else 1)'
}

wait_node() { # wait_node PLANE: controllers healthy and the node Ready, or the logs' last lines and failure
  local plane="$1" c
  for c in controller-manager scheduler; do
    wait_for "$plane-$c" 120 curl -fsSk "https://127.0.0.1:$(port_of "$plane-$c")/healthz" || return 1
  done
  if ! wait_for "$plane-kubelet" "$NODE_READY_SECONDS" node_ready "$plane"; then
    say "$plane-containerd: last log lines:"; tail -n 15 "$state/logs/$plane-containerd.log" >&2
    return 1
  fi
  ensure_storage_classes "$plane"
}

# The seed's storage class (and a plain one), both served by the stack's provisioner on each plane.
ensure_storage_classes() {
  local plane="$1" class code
  for class in alicloud-disk-topology-alltype ferry-local; do
    code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$state/pki/ca.crt" -H "Authorization: Bearer $(cat "$state/admin.token")" \
      -H 'Content-Type: application/json' -X POST "https://127.0.0.1:$(port_of "$plane")/apis/storage.k8s.io/v1/storageclasses" \
      -d "{\"apiVersion\":\"storage.k8s.io/v1\",\"kind\":\"StorageClass\",\"metadata\":{\"name\":\"$class\"},\"provisioner\":\"ferry.local/hostpath\",\"reclaimPolicy\":\"Delete\",\"volumeBindingMode\":\"Immediate\"}")
    [[ "$code" == 201 || "$code" == 409 ]] || { say "$plane: creating StorageClass $class failed with HTTP $code"; return 1; }
  done
  ensure_snapshot_class "$plane"
}

# The provisioner is also the snapshotter of its volumes: their VolumeSnapshotClass, the driver's default.
ensure_snapshot_class() {
  local code
  wait_for "$1" 30 curl -fsS -o /dev/null --cacert "$state/pki/ca.crt" -H "Authorization: Bearer $(cat "$state/admin.token")" \
    "https://127.0.0.1:$(port_of "$1")/apis/snapshot.storage.k8s.io/v1/volumesnapshotclasses"
  code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$state/pki/ca.crt" -H "Authorization: Bearer $(cat "$state/admin.token")" \
    -H 'Content-Type: application/json' -X POST "https://127.0.0.1:$(port_of "$1")/apis/snapshot.storage.k8s.io/v1/volumesnapshotclasses" \
    -d '{"apiVersion":"snapshot.storage.k8s.io/v1","kind":"VolumeSnapshotClass","metadata":{"name":"ferry-hostpath","annotations":{"snapshot.storage.kubernetes.io/is-default-class":"true"}},"driver":"ferry.local/hostpath","deletionPolicy":"Delete"}')
  [[ "$code" == 201 || "$code" == 409 ]] || { say "$1: creating VolumeSnapshotClass ferry-hostpath failed with HTTP $code"; return 1; }
}

# stop_node PLANE: the plane's controllers first (nothing new is scheduled), then every pod sandbox through the
# CRI (network namespaces and addresses released), the runtime, leftover shims, and what is still mounted.
stop_node() {
  local plane="$1" dir="$state/nodes/$1" sock mnt
  sock="$dir/containerd.sock"
  stop_all "$plane-provisioner" "$plane-controller-manager" "$plane-scheduler" "$plane-kubelet"
  if running "$plane-containerd" && [[ -x "$bin/ferry-node" ]]; then
    "$bin/ferry-node" cri-reset --endpoint "unix://$sock" --timeout 60s >&2 || say "$plane: cri-reset: see above"
  fi
  stop_one "$plane-containerd"
  # A shim outlives its containerd: end the ones serving this node's runtime.
  pkill -KILL -f -- "containerd-shim-runc-v2 .*-address $sock( |$)" 2>/dev/null || true
  if [[ -d "$dir" ]]; then
    findmnt -rn -o TARGET | awk -v d="$dir/" 'index($0, d) == 1' | sort -r | while read -r mnt; do
      umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || say "$plane: could not unmount $mnt"
    done
  fi
  release_subnet "$plane"
}
