#!/usr/bin/env bash
# Installs what the whole test suite needs on a fresh Debian machine of this project's kind
# (root, the machine's Rust toolchain present). Idempotent: a second run installs nothing.
# Each block says which tests need it.
set -euo pipefail

log() { printf 'setup: %s\n' "$*" >&2; }

apt_packages=(
  # zswapctl host tests drop privileges with setpriv (util-linux) and mount debugfs
  util-linux
  # status/top real-terminal test
  tmux
  # zswap-exporter: promtool and a real Prometheus server (tests/it/prometheus.rs, deploy
  # rule checks), node_exporter as the live and benchmark peer, TLS test client and certs
  prometheus
  prometheus-node-exporter
  openssl
  curl
  # cargo xtask oracle: compiles the kernel's lib/ C cut from Debian's linux-source packages
  gcc
  xz-utils
  # cargo xtask dist (run by cargo xtask fieldtest) checks the .deb with lintian and strips
  # the binaries (binutils); fieldtest builds Debian guests with mmdebstrap
  lintian
  binutils
  file
  mmdebstrap
  e2fsprogs
  qemu-utils
  # cargo xtask kubetest: builds the OCI image (buildah, FROM scratch) and runs it (podman
  # with runc, which unlike crun runs on hosts with cgroup v1 and v2 controllers mixed)
  buildah
  podman
  runc
)

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Packages such as prometheus and prometheus-node-exporter start their daemons on install;
  # the tests start their own on loopback ports, so forbid service starts while installing.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# zswap-tools setup: no service starts during package installs\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# zswap-exporter's web-config parity test (tests/it/webconfig_parity.rs) compares with
# Debian trixie's node_exporter (1.9.0, exporter-toolkit 0.14: inline certificates,
# client_allowed_sans), next to bookworm's 1.5.0. Fetched through a private apt
# configuration (the machine's sources are neither read nor changed) and unpacked, not
# installed, into the cache; the binary needs only libc 2.34.
peer_dir="${XDG_CACHE_HOME:-$HOME/.cache}/zswap-tools/node-exporter-trixie"
if [ ! -x "$peer_dir/usr/bin/prometheus-node-exporter" ]; then
  log "fetching trixie's prometheus-node-exporter into $peer_dir"
  apt_dir="$peer_dir.apt"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs"
  echo "deb http://deb.debian.org/debian trixie main" >"$apt_dir/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o APT::Sandbox::User=root)
  apt-get "${apt_opts[@]}" -qq update
  (cd "$apt_dir/debs" && rm -f ./*.deb &&
    apt-get "${apt_opts[@]}" -qq download prometheus-node-exporter)
  rm -rf "$peer_dir" && mkdir -p "$peer_dir"
  dpkg-deb -x "$apt_dir"/debs/prometheus-node-exporter_*.deb "$peer_dir"
fi

rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
# the eBPF probe: crates/zswap-probe's build script builds it with nightly + rust-src and
# bpf-linker, and its host test needs it built in
"$(dirname "$0")/install-ebpf-toolchain.sh"
log "ready"
