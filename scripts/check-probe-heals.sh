#!/usr/bin/env bash
# End to end: guest binaries built while the eBPF toolchain is missing are healed by
# installing it, without `cargo clean`, and the probe scenario then passes on every kernel of
# the vmtest matrix.
#   1. `cargo xtask vmtest --scenario probe` with no bpf-linker reachable: the guest binaries
#      are built without the probe, the scenario fails, and the failure names the install script.
#   2. bpf-linker appears in a directory that is already on PATH (PATH itself is unchanged),
#      as `scripts/install-ebpf-toolchain.sh` makes it appear in ~/.cargo/bin.
#   3. The same command again: the probe scenario passes on all kernels.
# The toolchain's absence is stood in for: PATH starts with a directory of links to every
# program beside bpf-linker except bpf-linker itself, and the directories holding bpf-linker
# are dropped from PATH. Builds go to target/probe-heals (kept, so later runs are incremental;
# remove it to start from nothing). Needs what `cargo xtask vmtest` needs plus the toolchain.
# Run as: scripts/check-probe-heals.sh [extra vmtest arguments, e.g. --kernel 6.1]
set -euo pipefail

log() { printf 'check-probe-heals: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
linker="$(command -v bpf-linker)" ||
    die "no bpf-linker on PATH: run scripts/install-ebpf-toolchain.sh first (this check removes it from view itself)"
# the toolchain's own cargo: rustup's proxy would put ~/.cargo/bin (and bpf-linker) back on PATH;
# RUSTUP_TOOLCHAIN keeps the proxies that build scripts reach (rustc) on the same toolchain, as
# the proxy would have (a dependency's own rust-toolchain.toml must not pick another one)
cargo_bin="$(rustup which cargo)"
toolchain="$(rustup show active-toolchain | cut -d' ' -f1)"

work="$root/target/probe-heals"
bin="$work/bin"
rm -rf "$bin"
mkdir -p "$bin"
new_path="$bin"
IFS=: read -r -a dirs <<<"$PATH"
for d in "${dirs[@]}"; do
    if [ -n "$d" ] && [ -x "$d/bpf-linker" ]; then
        for f in "$d"/*; do
            name="$(basename "$f")"
            [ "$name" = bpf-linker ] || [ -e "$bin/$name" ] || ln -s "$f" "$bin/$name"
        done
    else
        new_path="$new_path:$d"
    fi
done

vmtest() {
    env PATH="$new_path" CARGO_TARGET_DIR="$work/target" RUSTUP_TOOLCHAIN="$toolchain" \
        "$cargo_bin" run --quiet --package xtask -- vmtest --scenario probe --jobs 1 "$@"
}

log "step 1: no bpf-linker on PATH"
PATH="$new_path" command -v bpf-linker >/dev/null && die "bpf-linker is still reachable on the reduced PATH"
set +e
first="$(vmtest "$@" 2>&1)"
first_rc=$?
set -e
printf '%s\n' "$first"
[ "$first_rc" -ne 0 ] || die "step 1: the probe scenario passed without bpf-linker: the stand-in did not hide the toolchain"
grep -q 'FAIL .* probe' <<<"$first" || die "step 1: no FAIL line for the probe scenario"
grep -q 'install-ebpf-toolchain.sh' <<<"$first" ||
    die "step 1: the failure does not name scripts/install-ebpf-toolchain.sh"

log "step 2: bpf-linker lands in a directory already on PATH"
ln -s "$linker" "$bin/bpf-linker"

log "step 3: the same command, without cargo clean"
vmtest "$@"
log "PASS: the probe-less build healed after the toolchain appeared"
