#!/usr/bin/env bash
# Builds the kube-lab's container images as OCI image-layout tarballs (no registry exists here), for
# `ctr -n k8s.io images import`:
#   agnhost.tar     netx.local/agnhost:lab   /agnhost from the pinned release (entrypoint /agnhost, cmd pause,
#                   as upstream's image), dash as /bin/sh, the users upstream's image defines
#   pause.tar       netx.local/pause:lab     the same layer, entrypoint `/agnhost pause` (the pod sandbox)
#   netx-debug.tar  netx.local/netx-debug:lab  Debian bookworm (debootstrap minbase) with iproute2, iptables,
#                   nftables, conntrack, ipset, ipvsadm, curl: the image `kubectl netx --image` probes with
# A binary that is dynamically linked gets the libraries `ldd` lists. Rebuilt when missing or when this
# recipe's version changes.
#   images.sh BIN_DIR OUT_DIR
set -euo pipefail
BIN=$1
OUT=$2
RECIPE=3
DEBIAN_SUITE=bookworm
DEBIAN_MIRROR=${NETX_KUBE_LAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBUG_PACKAGES=iproute2,iptables,nftables,conntrack,ipset,ipvsadm,curl,ca-certificates,procps,kmod,tcpdump

say() { printf '[kube-lab images] %s\n' "$*" >&2; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }

copy_with_libs() { # copy_with_libs ROOTFS FILE [DEST]: FILE and the shared libraries it loads
  local root=$1 file=$2 dest=${3:-$2}
  install -D -m 0755 "$file" "$root$dest"
  # ldd fails on a static binary: it then has no libraries to copy.
  { ldd "$file" 2>/dev/null || true; } | { grep -oE '/[^ ]+' || true; } | while read -r lib; do
    [[ -e $lib ]] || continue
    install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
  done
}

# oci_image OUT.tar ROOTFS CONFIG_JSON NAME...: one-layer image, uncompressed layer, one index entry per name
oci_image() {
  local out=$1 rootfs=$2 config=$3
  shift 3
  local dir
  dir=$(mktemp -d)
  mkdir -p "$dir/blobs/sha256"
  tar -C "$rootfs" --numeric-owner --sort=name --mtime=@0 --exclude=./dev/* --exclude=./proc/* --exclude=./sys/* \
    -cf "$dir/layer.tar" .
  local layer_digest layer_size
  layer_digest=$(sha "$dir/layer.tar")
  layer_size=$(size "$dir/layer.tar")
  mv "$dir/layer.tar" "$dir/blobs/sha256/$layer_digest"
  printf '{"architecture":"amd64","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"kubectl-netx kube-lab images.sh"}]}' \
    "$config" "$layer_digest" >"$dir/config.json"
  local config_digest config_size
  config_digest=$(sha "$dir/config.json")
  config_size=$(size "$dir/config.json")
  mv "$dir/config.json" "$dir/blobs/sha256/$config_digest"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$config_digest" "$config_size" "$layer_digest" "$layer_size" >"$dir/manifest.json"
  local manifest_digest manifest_size
  manifest_digest=$(sha "$dir/manifest.json")
  manifest_size=$(size "$dir/manifest.json")
  mv "$dir/manifest.json" "$dir/blobs/sha256/$manifest_digest"
  local entries='' name
  for name in "$@"; do
    entries+="${entries:+,}{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:$manifest_digest\",\"size\":$manifest_size,\"annotations\":{\"io.containerd.image.name\":\"$name\",\"org.opencontainers.image.ref.name\":\"${name##*:}\"}}"
  done
  printf '{"schemaVersion":2,"manifests":[%s]}' "$entries" >"$dir/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
  tar -C "$dir" -cf "$out.tmp" oci-layout index.json blobs && mv "$out.tmp" "$out"
  rm -rf "$dir"
  say "wrote $out ($(( $(size "$out") / 1048576 )) MiB): $*"
}

agnhost_rootfs() {
  local root=$1
  rm -rf "$root" && mkdir -p "$root"/{etc,tmp,uploads,bin}
  chmod 1777 "$root/tmp"
  copy_with_libs "$root" "$BIN/agnhost" /agnhost
  ln -s agnhost "$root/agnhost-2"
  copy_with_libs "$root" "$(command -v dash)" /bin/dash
  ln -s dash "$root/bin/sh"
  printf 'root:x:0:0:root:/root:/bin/sh\nuser-defined-in-image:x:1000:1000::/home/user-defined-in-image:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nuser-defined-in-image:x:1000:\ngroup-defined-in-image:x:50000:user-defined-in-image\nnogroup:x:65534:\n' >"$root/etc/group"
}

debug_rootfs() {
  local root=$1
  rm -rf "$root"
  debootstrap --variant=minbase --include="$DEBUG_PACKAGES" "$DEBIAN_SUITE" "$root" "$DEBIAN_MIRROR" >"$OUT/debootstrap.log" 2>&1 ||
    { tail -20 "$OUT/debootstrap.log" >&2; return 1; }
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/{doc,man,info,locale}/* "$root"/var/cache/debconf/*-old \
    "$root"/var/log/* "$root"/debootstrap
  # /bin/sh must be dash (or bash), never busybox: busybox sh runs its own `ip` before PATH.
  [[ $(readlink "$root/bin/sh") == dash ]] || { say "debug image: /bin/sh is not dash"; return 1; }
}

mkdir -p "$OUT"
exec 9>"$OUT/.images.lock"
flock 9
want="recipe $RECIPE debian $DEBIAN_SUITE $DEBUG_PACKAGES"
if [[ -f $OUT/netx-debug.tar && $(cat "$OUT/.netx-debug.version" 2>/dev/null) == "$want" ]]; then
  say "netx-debug image cached"
else
  t0=$(date +%s)
  say "building netx-debug (debootstrap $DEBIAN_SUITE minbase)"
  debug_rootfs "$OUT/netx-debug-rootfs"
  oci_image "$OUT/netx-debug.tar" "$OUT/netx-debug-rootfs" \
    '{"Cmd":["/bin/bash"],"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"WorkingDir":"/"}' \
    netx.local/netx-debug:lab
  rm -rf "$OUT/netx-debug-rootfs"
  echo "$want" >"$OUT/.netx-debug.version"
  say "netx-debug image built in $(($(date +%s) - t0))s"
fi
want="recipe $RECIPE agnhost $(sha "$BIN/agnhost")"
if [[ -f $OUT/agnhost.tar && -f $OUT/pause.tar && $(cat "$OUT/.agnhost.version" 2>/dev/null) == "$want" ]]; then
  say "agnhost and pause images cached"
else
  t0=$(date +%s)
  version=$(tr -d ' \n' <"$BIN/agnhost.VERSION")
  agnhost_rootfs "$OUT/agnhost-rootfs"
  oci_image "$OUT/agnhost.tar" "$OUT/agnhost-rootfs" \
    '{"Entrypoint":["/agnhost"],"Cmd":["pause"],"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"WorkingDir":"/","ExposedPorts":{"80/tcp":{},"8080/tcp":{},"8081/tcp":{},"9376/tcp":{},"5000/tcp":{}}}' \
    netx.local/agnhost:lab "registry.k8s.io/e2e-test-images/agnhost:$version"
  oci_image "$OUT/pause.tar" "$OUT/agnhost-rootfs" \
    '{"Entrypoint":["/agnhost","pause"],"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"WorkingDir":"/"}' \
    netx.local/pause:lab
  rm -rf "$OUT/agnhost-rootfs"
  echo "$want" >"$OUT/.agnhost.version"
  say "agnhost and pause images built in $(($(date +%s) - t0))s"
fi
