#!/usr/bin/env bash
# Installs what building the zswap eBPF probe needs, and nothing else:
#   - the nightly toolchain with rust-src (the probe is built with -Z build-std=core
#     for the bpfel-unknown-none target),
#   - bpf-linker, linked against the LLVM library that ships inside the nightly toolchain.
# Idempotent: every step is skipped when its result is already present.
# Used by the README's set-up and by CI. Run as: scripts/install-ebpf-toolchain.sh
set -euo pipefail

log() { printf 'install-ebpf-toolchain: %s\n' "$*" >&2; }

# crates/zswap-probe/build.rs watches this stamp: touching it when the toolchain is complete
# makes the next cargo build of any target embed the probe.
stamp="${XDG_CACHE_HOME:-$HOME/.cache}/zswap-tools/ebpf-toolchain.stamp"
touch_stamp() { mkdir -p "$(dirname "$stamp")" && touch "$stamp"; }

command -v rustup >/dev/null || { log "rustup is required (https://rustup.rs)"; exit 1; }

if ! rustup toolchain list | grep -q '^nightly'; then
    log "installing the nightly toolchain"
    rustup toolchain install nightly --profile minimal
fi
if ! rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^rust-src'; then
    log "adding rust-src to nightly"
    rustup component add rust-src --toolchain nightly
fi

if command -v bpf-linker >/dev/null && bpf-linker --version >/dev/null 2>&1; then
    log "bpf-linker already installed: $(bpf-linker --version)"
    touch_stamp
    exit 0
fi

# bpf-linker (without its bundled-LLVM feature) links to libLLVM found under LLVM_PREFIX.
# The nightly toolchain carries one as lib/libLLVM.so.<version>; give it the plain name.
nightly_lib="$(rustc +nightly --print sysroot)/lib"
libllvm="$(find "$nightly_lib" -maxdepth 1 -name 'libLLVM.so.*' | sort | tail -n 1)"
if [ -z "$libllvm" ]; then
    log "no libLLVM.so.* in '$nightly_lib': reinstall the nightly toolchain with 'rustup toolchain install nightly'"
    exit 1
fi
prefix="${XDG_CACHE_HOME:-$HOME/.cache}/zswap-tools/llvm-prefix"
mkdir -p "$prefix/lib"
ln -sfn "$libllvm" "$prefix/lib/libLLVM.so"
# bpf-linker selects its llvm-sys binding by a cargo feature named after LLVM's major version.
llvm_major="$(basename "$libllvm" | sed -E 's/^libLLVM\.so\.([0-9]+).*/\1/')"
log "building bpf-linker against '$libllvm' (LLVM $llvm_major, about 2 minutes)"
# The nightly lib directory must also be on the built linker's runtime search path.
LLVM_PREFIX="$prefix" RUSTFLAGS="-C link-args=-Wl,-rpath,$nightly_lib" \
    nice cargo install --locked bpf-linker --no-default-features --features "llvm-$llvm_major"
bpf-linker --version
touch_stamp
