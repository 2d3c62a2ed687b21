#!/usr/bin/env bash
# The whole test suite: installs what it needs, then runs every step and ends with one
# summary line. Run as root on this project's kind of machine; with CI=true nothing the
# suite needs may be skipped (tests fail instead).
set -uo pipefail
cd "$(dirname "$0")/.."

# One build per run: incremental caches would only cost disk (several gigabytes).
export CARGO_INCREMENTAL=0

./scripts/setup-test-deps.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
failed_steps=()
step() {
  local name=$1
  shift
  printf '\n=== %s: %s\n' "$name" "$*"
  local t0=$SECONDS
  if "$@"; then
    passed=$((passed + 1))
    printf '=== PASS %s (%ss)\n' "$name" $((SECONDS - t0))
  else
    failed=$((failed + 1))
    failed_steps+=("$name")
    printf '=== FAIL %s (%ss)\n' "$name" $((SECONDS - t0))
  fi
}

step fmt cargo fmt --all --check
step citations scripts/check-citations.sh   # comments cite only docs in the repository
step clippy cargo clippy --workspace --all-targets --locked -- -D warnings
step test cargo test --workspace --locked
# the model's compressors and zsmalloc classes against the kernel's own C (xtask/README.md)
step oracle cargo xtask oracle
# the QEMU kernel matrix (xtask/README.md): Debian 6.1, 6.12 and 7.x guests
step vmtest cargo xtask vmtest
# the Ansible roles: lint, converge on this machine, idempotence, verify; restores the host
step deploytest cargo xtask deploytest
# the release on Debian guests booted with systemd (docs/install.md): bookworm, trixie, sid
step fieldtest cargo xtask fieldtest
# deploy/kubernetes validated offline, and the OCI image run under podman as the DaemonSet
# runs it (docs/kubernetes.md); after fieldtest, whose release build it reuses
step kubetest cargo xtask kubetest

printf '\nsteps failed: %s\n' "${failed_steps[*]:-none}"
echo "suite: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
