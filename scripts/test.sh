#!/usr/bin/env bash
# Sets up (scripts/setup.sh), then runs the whole test suite: the Rust unit
# tests (cargo test) and the Python tests (pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
JITUFUNC_TEST=1 scripts/setup.sh
export LLVM_SYS_191_PREFIX=/usr/lib/llvm-19
export PATH="$HOME/.cargo/bin:$PATH"
# The IR verifier runs after every compiler pass (also in this release build).
export JITUFUNC_VERIFY=1
echo "== cargo fmt, cargo clippy" >&2
cargo fmt --check
cargo clippy --all-targets -q -- -D warnings
echo "== cargo test" >&2
cargo test --release -q 2>&1 | grep -v '^\s*$' | tail -n 40
test "${PIPESTATUS[0]}" = 0
echo "== pytest" >&2
exec .venv/bin/python -m pytest -q -p no:cacheprovider tests "$@"
