#!/usr/bin/env bash
# The local stack: one etcd, a `source` and a `target` kube-apiserver (two etcd prefixes), versitygw serving S3
# from a posix folder, and in each plane a controller-manager, a scheduler and one node (a kubelet with its own
# containerd; node.sh). All on 127.0.0.1, on free ports; pods on a bridge of their own per plane.
# FERRY_STACK_NODES=0 starts the control planes and the bucket only.
#   stack.sh up      build if needed, start what is not running, wait until ready, write kubeconfigs and env
#   stack.sh down    stop exactly the processes `up` started (by pid), their containers, mounts and bridges
#   stack.sh reset   down, remove the state folder (both planes' data, the bucket), up again
#   stack.sh status  what runs
#   stack.sh plane NAME [flags]  an extra kube-apiserver over the same etcd (tests that need other limits)
#   stack.sh webhook URL|off     restart versitygw posting bucket events to URL (the receiver must listen), or to nothing
# State, logs and kubeconfigs live in FERRY_STACK_DIR (default: <clone>/.stack).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
source "$here/versions.env"
cache="${FERRY_CACHE:-$HOME/.cache/ferry}"
bin="$cache/bin"
state="${FERRY_STACK_DIR:-$repo/.stack}"
token_file="$state/tokens.csv"
say() { printf '[stack] %s\n' "$*" >&2; }
# shellcheck source=node.sh
source "$here/node.sh"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# running NAME: true when the pid recorded for NAME is alive and is the binary we started.
running() {
  local pidf="$state/$1.pid"
  [[ -f "$pidf" ]] && kill -0 "$(cat "$pidf")" 2>/dev/null
}

# port_of NAME: the port recorded for NAME (chosen once, kept while the state folder lives).
port_of() {
  local f="$state/$1.port"
  [[ -f "$f" ]] || free_port > "$f"
  cat "$f"
}

start() { # start NAME CMD...: runs CMD in the background with its own log, records its pid.
  local name="$1"; shift
  if running "$name"; then say "$name: already running (pid $(cat "$state/$name.pid"))"; return; fi
  say "$name: starting"
  nohup "$@" > "$state/logs/$name.log" 2>&1 &
  echo $! > "$state/$name.pid"
}

wait_for() { # wait_for NAME SECONDS CMD...: polls CMD until it succeeds.
  local name="$1" secs="$2"; shift 2
  local i
  for ((i = 0; i < secs * 4; i++)); do
    if "$@" >/dev/null 2>&1; then say "$name: ready"; return 0; fi
    if ! running "$name"; then say "$name: exited; last log lines:"; tail -n 30 "$state/logs/$name.log" >&2; return 1; fi
    sleep 0.25
  done
  say "$name: not ready after ${secs}s; last log lines:"; tail -n 30 "$state/logs/$name.log" >&2
  return 1
}

make_pki() {
  local pki="$state/pki"
  [[ -f "$pki/ca.crt" ]] || make_ca "$pki"
  # The API server's client certificate for kubelets (logs, exec); system:masters so the kubelets' webhook allows it.
  if [[ ! -f "$pki/kubelet-client.crt" ]]; then
    openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=kube-apiserver-kubelet-client" \
      -keyout "$pki/kubelet-client.key" -out "$pki/kubelet-client.csr" 2>/dev/null
    openssl x509 -req -in "$pki/kubelet-client.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 3650 \
      -out "$pki/kubelet-client.crt" 2>/dev/null
  fi
}

make_ca() {
  local pki="$1"
  say "pki: generating a CA, a serving certificate for 127.0.0.1 and a service-account key"
  mkdir -p "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=ferry-local-ca" \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout "$pki/apiserver.key" -out "$pki/apiserver.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.96.0.1\n' > "$pki/san.ext"
  openssl x509 -req -in "$pki/apiserver.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 3650 \
    -extfile "$pki/san.ext" -out "$pki/apiserver.crt" 2>/dev/null
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
}

write_kubeconfig() { # write_kubeconfig NAME PORT TOKEN
  cat > "$state/$1.kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: $1
  cluster:
    server: https://127.0.0.1:$2
    certificate-authority: $state/pki/ca.crt
users:
- name: $1-admin
  user:
    token: $3
contexts:
- name: $1
  context: {cluster: $1, user: $1-admin}
current-context: $1
KC
}

start_apiserver() { # start_apiserver NAME [EXTRA FLAGS...]: later flags override earlier ones
  local name="$1" port etcd_port
  shift
  port="$(port_of "$name")"
  etcd_port="$(port_of etcd)"
  start "$name" "$bin/kube-apiserver-$KUBE_VERSION" \
    --etcd-servers="http://127.0.0.1:$etcd_port" --etcd-prefix="/registry-$name" \
    --advertise-address=127.0.0.1 --bind-address=127.0.0.1 --secure-port="$port" \
    --tls-cert-file="$state/pki/apiserver.crt" --tls-private-key-file="$state/pki/apiserver.key" \
    --client-ca-file="$state/pki/ca.crt" --token-auth-file="$token_file" \
    --authorization-mode=RBAC \
    --service-account-key-file="$state/pki/sa.pub" --service-account-signing-key-file="$state/pki/sa.key" \
    --service-account-issuer="https://kubernetes.default.svc" \
    --service-cluster-ip-range=10.96.0.0/16 --allow-privileged=true \
    --kubelet-client-certificate="$state/pki/kubelet-client.crt" --kubelet-client-key="$state/pki/kubelet-client.key" \
    --max-requests-inflight="${FERRY_MAX_INFLIGHT:-400}" --max-mutating-requests-inflight="${FERRY_MAX_MUTATING_INFLIGHT:-200}" \
    --enable-priority-and-fairness="${FERRY_APF:-true}" \
    --endpoint-reconciler-type=none --profiling=false --v=1 "$@"
}

# start_versitygw WEBHOOK: starts versitygw (unless it runs) posting bucket events to WEBHOOK ("" for none).
# NOTE: versitygw posts a test event to its webhook when it starts, and does not start when nothing answers.
start_versitygw() {
  local webhook=()
  [[ -n "$1" ]] && webhook=(--event-webhook-url "$1")
  running versitygw || printf '%s' "$1" > "$state/versitygw.webhook"
  start versitygw env -u VGW_PORT "$bin/versitygw-$VERSITYGW_VERSION" --access ferry-local --secret ferry-local-secret \
    --port "127.0.0.1:$(port_of versitygw)" --quiet "${webhook[@]}" posix --sidecar "$state/s3meta-sidecar" "$state/s3data"
}

# cmd_webhook URL|off: restarts versitygw (same port, same data) posting bucket events to URL, or to nothing.
# The receiver must already listen. scripts/offline uses it to send bucket events to the index bridge.
cmd_webhook() {
  local url="${1:?usage: stack.sh webhook URL|off}"
  [[ "$url" == off ]] && url=""
  running etcd || { say "the stack is not up: run 'stack.sh up' first"; return 1; }
  if running versitygw && [[ "$(cat "$state/versitygw.webhook" 2>/dev/null)" == "$url" ]]; then
    say "versitygw: already posting bucket events to ${url:-nothing}"; return 0
  fi
  stop_one versitygw
  start_versitygw "$url"
  wait_for versitygw 30 curl -sS -o /dev/null "http://127.0.0.1:$(port_of versitygw)/"
  say "versitygw: posting bucket events to ${url:-nothing}"
}

cmd_up() {
  mkdir -p "$state/logs" "$state/s3data" "$state/s3meta-sidecar"
  bash "$here/build.sh"
  # kubectl at the stack's version, for the README's walk-through (PATH="$PWD/.stack/bin:$PATH").
  mkdir -p "$state/bin" && ln -sfn "$bin/kubectl-$KUBE_VERSION" "$state/bin/kubectl"
  make_pki
  local admin_token
  [[ -f "$state/admin.token" ]] || python3 -c 'import secrets; print(secrets.token_hex(24))' > "$state/admin.token"
  admin_token="$(cat "$state/admin.token")"
  [[ -f "$state/operator.token" ]] || python3 -c 'import secrets; print(secrets.token_hex(24))' > "$state/operator.token"
  # NOTE: system:masters bypasses the inflight limits and priority-and-fairness; a test that needs 429s uses
  # the operator identity, which RBAC binds to cluster-admin on each plane.
  { printf '%s,ferry-admin,ferry-admin,system:masters\n' "$admin_token"
    printf '%s,ferry-operator,ferry-operator,ferry:operators\n' "$(cat "$state/operator.token")"; } > "$token_file"

  local etcd_port peer_port
  etcd_port="$(port_of etcd)"; peer_port="$(port_of etcd-peer)"
  start etcd "$bin/etcd-$ETCD_VERSION" --name ferry --data-dir "$state/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "ferry=http://127.0.0.1:$peer_port" --quota-backend-bytes=8589934592 \
    --unsafe-no-fsync=true --log-level=warn
  wait_for etcd 60 curl -fsS "http://127.0.0.1:$etcd_port/health"

  local s3_port access secret
  s3_port="$(port_of versitygw)"; access=ferry-local; secret=ferry-local-secret
  # A webhook given now replaces the one a running versitygw posts to; without one, a running versitygw keeps its own.
  if [[ -n "${FERRY_EVENT_WEBHOOK:-}" ]] && running versitygw && [[ "$(cat "$state/versitygw.webhook" 2>/dev/null)" != "$FERRY_EVENT_WEBHOOK" ]]; then
    stop_one versitygw
  fi
  start_versitygw "${FERRY_EVENT_WEBHOOK:-}"

  for name in source target; do
    start_apiserver "$name"
    write_kubeconfig "$name" "$(port_of "$name")" "$admin_token"
  done
  for name in source target; do
    wait_for "$name" 180 curl -fsS --cacert "$state/pki/ca.crt" -H "Authorization: Bearer $admin_token" \
      "https://127.0.0.1:$(port_of "$name")/readyz"
    bind_operator "$name"
    install_snapshot_crds "$name"
  done
  wait_for versitygw 30 curl -sS -o /dev/null "http://127.0.0.1:$s3_port/"
  if nodes_enabled; then
    ensure_node_packages
    for name in source target; do start_node "$name"; done
    for name in source target; do wait_node "$name"; done
  fi

  # The web console's bearer token (issue 18): made once per stack folder, kept across restarts.
  [[ -s "$state/console-token" ]] || (umask 077 && head -c 24 /dev/urandom | base64 | tr '+/' '-_' > "$state/console-token")
  cat > "$state/env" <<ENV
FERRY_STACK_DIR=$state
FERRY_CONSOLE_AUTH=token
FERRY_CONSOLE_TOKEN=$(cat "$state/console-token")
FERRY_SOURCE_KUBECONFIG=$state/source.kubeconfig
FERRY_TARGET_KUBECONFIG=$state/target.kubeconfig
FERRY_SOURCE_SERVER=https://127.0.0.1:$(port_of source)
FERRY_TARGET_SERVER=https://127.0.0.1:$(port_of target)
FERRY_ETCD_ENDPOINT=http://127.0.0.1:$etcd_port
FERRY_S3_ENDPOINT=http://127.0.0.1:$s3_port
FERRY_S3_BUCKET=${FERRY_S3_BUCKET:-ferry-local}
FERRY_S3_REGION=us-east-1
AWS_ACCESS_KEY_ID=$access
AWS_SECRET_ACCESS_KEY=$secret
ENV
  cat > "$state/ferry.yaml" <<CFG
# Ferry's config for the local stack (written by scripts/stack/stack.sh up).
apiVersion: ferry.dev/v1
kind: FerryConfig
clusters:
  source: {kubeconfig: $state/source.kubeconfig}
  target: {kubeconfig: $state/target.kubeconfig}
defaultCluster: source
storageLocations:
  default:
    bucket: \${FERRY_S3_BUCKET}
    endpoint: \${FERRY_S3_ENDPOINT}
    region: us-east-1
    forcePathStyle: true
CFG
  (cd "$repo" && set -a && source "$state/env" && set +a && npx tsx scripts/stack/ensure-bucket.ts)
  say "up: env in $state/env, config in $state/ferry.yaml, kubeconfigs $state/source.kubeconfig and $state/target.kubeconfig, kubectl in $state/bin, logs in $state/logs"
}

# An extra control plane over the same etcd, for tests that need one configured differently
# (e.g. tiny inflight limits so that it answers 429). Its kubeconfig is $state/NAME.kubeconfig.
# bind_operator NAME: lets the operator identity act as cluster-admin on plane NAME (idempotent).
bind_operator() {
  local code
  code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$state/pki/ca.crt" -H "Authorization: Bearer $(cat "$state/admin.token")" \
    -H 'Content-Type: application/json' -X POST "https://127.0.0.1:$(port_of "$1")/apis/rbac.authorization.k8s.io/v1/clusterrolebindings" \
    -d '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"ferry-operators"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"Group","name":"ferry:operators"}]}')
  [[ "$code" == 201 || "$code" == 409 ]] || { say "$1: binding the operator identity failed with HTTP $code"; return 1; }
}

# install_snapshot_crds NAME: the CSI snapshot API (CRDs fetched by build.sh) in plane NAME; existing ones are kept.
install_snapshot_crds() {
  local file code
  for file in "$cache/crds/snapshot"/*.yaml; do
    code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$state/pki/ca.crt" -H "Authorization: Bearer $(cat "$state/admin.token")" \
      -H 'Content-Type: application/yaml' -X POST "https://127.0.0.1:$(port_of "$1")/apis/apiextensions.k8s.io/v1/customresourcedefinitions" \
      --data-binary "@$file")
    [[ "$code" == 201 || "$code" == 409 ]] || { say "$1: installing the CRD in $file failed with HTTP $code"; return 1; }
  done
}

cmd_plane() {
  local name="${1:?usage: stack.sh plane NAME [kube-apiserver flags...]}"; shift
  [[ "$name" =~ ^[a-z][a-z0-9-]*$ ]] || { say "plane name must be lowercase letters, digits and -"; exit 2; }
  running etcd || { say "the stack is not up: run 'stack.sh up' first"; exit 1; }
  start_apiserver "$name" "$@"
  # An extra plane is reached as the operator (not system:masters), so its limits apply to the client.
  write_kubeconfig "$name" "$(port_of "$name")" "$(cat "$state/operator.token")"
  wait_for "$name" 180 curl -fsS --cacert "$state/pki/ca.crt" -H "Authorization: Bearer $(cat "$state/admin.token")" \
    "https://127.0.0.1:$(port_of "$name")/readyz"
  bind_operator "$name"
}

cmd_down() {
  local name pidf
  # Nodes first (their pods, mounts and bridges), then extra planes, then the stack's own processes in reverse start order.
  local extra=()
  for name in source target; do stop_node "$name"; done
  for pidf in "$state"/*.pid; do
    [[ -e "$pidf" ]] || continue
    name="$(basename "$pidf" .pid)"
    [[ " source target versitygw etcd " == *" $name "* ]] || extra+=("$name")
  done
  stop_all "${extra[@]}" source target versitygw
  stop_one etcd
}

stop_one() { stop_all "$1"; }

any_alive() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }

# stop_all NAME...: SIGTERM to each recorded process at once, then waits (10 s at most) and SIGKILLs what is left.
stop_all() {
  local name pid pids=() _
  for name in "$@"; do
    [[ -f "$state/$name.pid" ]] || continue
    pid="$(cat "$state/$name.pid")"
    if kill -0 "$pid" 2>/dev/null; then
      say "$name: stopping pid $pid"
      kill "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
    rm -f "$state/$name.pid"
  done
  ((${#pids[@]} == 0)) && return 0
  for _ in $(seq 1 40); do
    any_alive "${pids[@]}" || break
    sleep 0.25
  done
  kill -9 "${pids[@]}" 2>/dev/null || true
}

cmd_status() {
  local name plane c names=(etcd source target versitygw)
  if nodes_enabled; then
    for plane in source target; do for c in "${NODE_PROCESSES[@]}"; do names+=("$plane-$c"); done; done
  fi
  for name in "${names[@]}"; do
    if running "$name"; then echo "$name: running (pid $(cat "$state/$name.pid"), port $(cat "$state/$name.port" 2>/dev/null))"
    else echo "$name: stopped"; fi
  done
}

# cmd_reset: both planes and the bucket back to empty: everything `up` made in the state folder goes (etcd's data,
# the bucket's folder, the nodes' volumes, the keys and tokens), then a fresh `up`. The build cache stays.
cmd_reset() {
  cmd_down
  case "$state" in
    ""|/) say "refusing to reset the state folder '$state'"; return 1 ;;
  esac
  say "reset: removing $state"
  rm -rf "$state"
  cmd_up
}

# require_tools: what the stack's scripts run, named with the way to get it when it is missing (build.sh names Go).
require_tools() {
  local missing=() t
  for t in openssl python3 curl; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t (Debian: apt-get install $t)")
  done
  ((${#missing[@]} == 0)) && return 0
  say "the local stack needs: ${missing[*]}"
  return 1
}

case "${1:-}" in
  up) require_tools; cmd_up ;;
  down) cmd_down ;;
  reset) require_tools; cmd_reset ;;
  plane) shift; cmd_plane "$@" ;;
  webhook) cmd_webhook "${2:-}" ;;
  status) cmd_status ;;
  *) echo "usage: $0 up|down|reset|status|plane NAME [flags]|webhook URL|off" >&2; exit 2 ;;
esac
