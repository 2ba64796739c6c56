#!/usr/bin/env bash
# Builds the kube-lab's upstream components once per machine into a cache keyed by release:
#   ${NETX_KUBE_LAB_CACHE:-/var/cache/kubectl-netx/kube-lab}/<k8s release>/bin/
# Kubernetes binaries come from the k8s.io/kubernetes Go module (a scratch module with one `replace` per
# staging module, since the main module points them at ./staging); flannel from its module with the
# tencentvpc backend dropped (its SDK is not served by the module proxy); kube-router and crictl via
# `go install`. A binary is rebuilt only when missing or built at another version (stamp file beside it).
# Progress and timings go to stderr and to <cache>/<release>/build-times.log.
#
# Then images.sh builds the lab's container images into <cache>/<release>/images/.
#
#   test/kube-lab/build.sh            build what is missing
#   test/kube-lab/build.sh --print    print the bin directory (builds nothing)
set -euo pipefail

K8S_RELEASE=${NETX_KUBE_LAB_K8S:-v1.37.2}
FLANNEL_VERSION=v0.28.10
KUBE_ROUTER_VERSION=v2.1.0
CRICTL_VERSION=v1.37.0
CACHE_ROOT=${NETX_KUBE_LAB_CACHE:-/var/cache/kubectl-netx/kube-lab}
CACHE=$CACHE_ROOT/$K8S_RELEASE
BIN=$CACHE/bin
SRC=$CACHE/src
LOG=$CACHE/build-times.log

if [[ ${1:-} == --print ]]; then echo "$BIN"; exit 0; fi

# Static binaries, as upstream releases them: images need no libc and the build is the same on every host.
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOTOOLCHAIN=local
mkdir -p "$BIN" "$SRC"
exec 9>"$CACHE/.build.lock"
flock 9

say() { printf '[kube-lab build] %s\n' "$*" >&2; }
now() { date +%s; }

fresh() { # fresh NAME VERSION: binary exists and was built at VERSION
  [[ -x $BIN/$1 && -f $BIN/.$1.version && $(<"$BIN/.$1.version") == "$2" ]]
}
stamp() { echo "$2" >"$BIN/.$1.version"; }
timed() { # timed NAME VERSION CMD...: run CMD, record how long it took
  local name=$1 version=$2 t0 t
  shift 2
  t0=$(now)
  say "building $name $version"
  "$@"
  t=$(($(now) - t0))
  stamp "$name" "$version"
  say "built $name in ${t}s"
  printf '%s %s %s %ss\n' "$(date -u +%FT%TZ)" "$name" "$version" "$t" >>"$LOG"
}

k8s_module() { # scratch module that requires k8s.io/kubernetes with every staging module replaced
  local mod=$SRC/k8s
  [[ -f $mod/.ready-$K8S_RELEASE ]] && return 0
  rm -rf "$mod" && mkdir -p "$mod"
  (
    cd "$mod"
    go mod init kubelab.local/k8s >/dev/null 2>&1
    local gomod
    gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_RELEASE" | sed -n 's/^\s*"GoMod": "\(.*\)",\?$/\1/p')
    local staging=v0.${K8S_RELEASE#v1.}
    {
      echo
      grep -oE '^\s*k8s\.io/[a-z0-9._-]+ => \./staging/src/k8s\.io/[a-z0-9._-]+' "$gomod" |
        awk -v v="$staging" '{ print "replace " $1 " => " $1 " " v }'
    } >>go.mod
    go get "k8s.io/kubernetes@$K8S_RELEASE" >/dev/null 2>&1 || true
    for cmd in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl; do
      go get "k8s.io/kubernetes/cmd/$cmd@$K8S_RELEASE"
    done
    go get "k8s.io/kubernetes/test/images/agnhost@$K8S_RELEASE"
    touch ".ready-$K8S_RELEASE"
  )
}

k8s_ldflags() {
  local minor=${K8S_RELEASE#v1.}
  minor=${minor%%.*}
  echo "-s -w -X k8s.io/component-base/version.gitVersion=$K8S_RELEASE -X k8s.io/component-base/version.gitMajor=1" \
    "-X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean" \
    "-X k8s.io/client-go/pkg/version.gitVersion=$K8S_RELEASE -X k8s.io/client-go/pkg/version.gitMajor=1" \
    "-X k8s.io/client-go/pkg/version.gitMinor=$minor"
}

build_k8s() { # build_k8s NAME PACKAGE
  (cd "$SRC/k8s" && go build -trimpath -ldflags "$(k8s_ldflags)" -o "$BIN/$1.tmp" "$2" && mv "$BIN/$1.tmp" "$BIN/$1")
}

agnhost_version() {
  local dir
  dir=$(cd "$SRC/k8s" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)
  tr -d ' \n' <"$dir/test/images/agnhost/VERSION"
}

build_flannel() {
  local mod=$SRC/flannel
  rm -rf "$mod" && mkdir -p "$mod"
  (
    cd "$mod"
    go mod init kubelab.local/flannel >/dev/null 2>&1
    local dir
    dir=$(go mod download -json "github.com/flannel-io/flannel@$FLANNEL_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",\?$/\1/p')
    # flannel's go.mod replace directives, if any, must be carried into the main module.
    grep -E '^replace ' "$dir/go.mod" >>go.mod || true
    go get "github.com/flannel-io/flannel@$FLANNEL_VERSION" >/dev/null 2>&1 || true
    sed '/backend\/tencentvpc/d' "$dir/main.go" >main.go
    chmod u+w main.go
    go mod tidy >/dev/null
    # flannel's udp backend is cgo (as upstream builds it): the one dynamically linked binary here.
    CGO_ENABLED=1 go build -trimpath -ldflags "-s -w -X github.com/flannel-io/flannel/pkg/version.Version=$FLANNEL_VERSION" \
      -o "$BIN/flanneld.tmp" . && mv "$BIN/flanneld.tmp" "$BIN/flanneld"
  )
}

go_install() { # go_install NAME PACKAGE@VERSION
  local gobin=$SRC/gobin
  mkdir -p "$gobin"
  GOBIN=$gobin go install -trimpath -ldflags "-s -w" "$2"
  mv "$gobin/$1" "$BIN/$1"
}

main() {
  local t0 built=0
  t0=$(now)
  local k8s_bins=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
  local need_k8s=0
  for b in "${k8s_bins[@]}" agnhost; do fresh "$b" "$K8S_RELEASE" || need_k8s=1; done
  if ((need_k8s)); then
    local m0=$(now)
    k8s_module
    say "k8s module ready in $(($(now) - m0))s"
    for b in "${k8s_bins[@]}"; do
      fresh "$b" "$K8S_RELEASE" || { timed "$b" "$K8S_RELEASE" build_k8s "$b" "k8s.io/kubernetes/cmd/$b"; built=1; }
    done
    if ! fresh agnhost "$K8S_RELEASE"; then
      timed agnhost "$K8S_RELEASE" build_k8s agnhost k8s.io/kubernetes/test/images/agnhost
      agnhost_version >"$BIN/agnhost.VERSION"
      built=1
    fi
  fi
  fresh flanneld "$FLANNEL_VERSION" || { timed flanneld "$FLANNEL_VERSION" build_flannel; built=1; }
  fresh kube-router "$KUBE_ROUTER_VERSION" ||
    { timed kube-router "$KUBE_ROUTER_VERSION" go_install kube-router \
      "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@$KUBE_ROUTER_VERSION"; built=1; }
  fresh crictl "$CRICTL_VERSION" ||
    { timed crictl "$CRICTL_VERSION" go_install crictl "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION"; built=1; }
  if ((built)); then
    printf '%s total %ss\n' "$(date -u +%FT%TZ)" "$(($(now) - t0))" >>"$LOG"
    say "components ready in $BIN ($(($(now) - t0))s)"
  else
    say "components cached in $BIN"
  fi
  "$(dirname "${BASH_SOURCE[0]}")/images.sh" "$BIN" "$CACHE/images"
}

main
