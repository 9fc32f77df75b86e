#!/usr/bin/env bash
# Sets up a second test environment with another NumPy (and maybe another
# Python), sharing this checkout's jitufunc, for the version matrix that
# scripts/test.sh runs:
#
#   scripts/numpy-venv.sh DIR PYTHON NUMPY_VERSION
#
# With the Python of .venv, DIR sees the extension .venv built (a .pth
# file); with another Python, the extension is built for it here. Run after
# scripts/setup.sh. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1 python=$2 numpy=$3
log() { printf '\033[1m[setup %s]\033[0m %s\n' "$dir" "$*" >&2; }
pyver() { "$1" -c 'import sys; print(sys.version_info[:2])'; }
if [ -x "$dir/bin/python" ] && [ "$(pyver "$dir/bin/python")" != "$(pyver "$python")" ]; then
    log "removing $dir (made with another Python)"
    rm -rf "$dir"
fi
[ -x "$dir/bin/python" ] || { log "creating $dir with $python"; "$python" -m venv "$dir"; }
PY=$dir/bin/python
want="numpy==$numpy pytest>=7 hypothesis>=6 mypy==2.4.1 cloudpickle dask[array] distributed xarray"
same_python=0
[ "$(pyver "$PY")" = "$(pyver .venv/bin/python)" ] && same_python=1
[ "$same_python" = 1 ] || want="$want maturin>=1.5,<2"
stamp=$dir/.jitufunc-deps
# Every package's exact version comes from scripts/constraints.txt.
want_stamp="$want $(cksum < scripts/constraints.txt)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want_stamp" ]; then
    log "installing Python packages: $want"
    $PY -m pip install -q -c scripts/constraints.txt --upgrade pip >/dev/null
    # shellcheck disable=SC2086
    $PY -m pip install -q -c scripts/constraints.txt $want
    echo "$want_stamp" > "$stamp"
fi
site=$($PY -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
if [ "$same_python" = 1 ]; then
    echo "$(pwd)/python" > "$site/jitufunc-checkout.pth"
else
    log "building jitufunc for $($PY -V)"
    export LLVM_SYS_191_PREFIX=/usr/lib/llvm-19
    status=0
    ( VIRTUAL_ENV="$(cd "$dir" && pwd)" PATH="$(cd "$dir" && pwd)/bin:$PATH" maturin develop --release -q ) \
        > "$dir/build.log" 2>&1 || status=$?
    if [ "$status" != 0 ]; then cat "$dir/build.log" >&2; log "build failed"; exit 1; fi
fi
$PY -c 'import numpy, jitufunc._core' >/dev/null
log "ready: $($PY -V), NumPy $($PY -c 'import numpy; print(numpy.__version__)')"
