#!/usr/bin/env bash
# Sets up (scripts/setup.sh), then runs the whole test suite: the Rust unit
# tests (cargo test) and the Python tests (pytest), the latter on the
# NumPy of .venv (the newest jitufunc supports for its Python) and, at the
# same time, on the oldest supported NumPy with the oldest supported Python
# (3.10) and on the newest supported NumPy with the newest Python
# (scripts/numpy-version): a change in NumPy's private details, or in
# Python's, shows here, not in a user's hands.
#
#   scripts/test.sh                 # everything
#   scripts/test.sh tests/jit -x    # pytest arguments: one NumPy (.venv) only
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
pytest_args=(-q -p no:cacheprovider)
if [ $# -gt 0 ]; then
    echo "== pytest (.venv only)" >&2
    exec .venv/bin/python -m pytest "${pytest_args[@]}" "$@"
fi

# The other NumPy releases of the matrix, each in its own environment.
version() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])'; }
# The first of the given Python versions this machine has (on PATH, or
# installed by pyenv), or nothing.
find_python() {
    for v in "$@"; do
        for candidate in "$(command -v "python$v" || true)" "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/python"$v"; do
            if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c 'import venv' 2>/dev/null; then
                echo "$candidate"
                return
            fi
        done
    done
}
main_python=$(version .venv/bin/python)
main_numpy=$(.venv/bin/python -c 'import numpy; print(numpy.__version__)')
extra=()
# The oldest NumPy on the oldest supported Python (3.10), or on .venv's
# Python when this machine has no 3.10.
oldest=$(scripts/numpy-version oldest "$main_python")
older=$(find_python 3.10)
if [ -z "$older" ]; then
    echo "== NOT TESTED: Python 3.10 (this machine has none; install one, e.g. with pyenv, to test it)" >&2
    older=python3
fi
if [ "$oldest" != "$main_numpy" ] || [ "$(version "$older")" != "$main_python" ]; then
    scripts/numpy-venv.sh .venv-numpy-oldest "$older" "$oldest"
    extra+=(.venv-numpy-oldest)
fi
newest=$(scripts/numpy-version newest 3.99)
if [ "$newest" != "$main_numpy" ]; then
    # NumPy's newest release needs a newer Python than .venv's.
    newer=$(find_python 3.13 3.12)
    if [ -n "$newer" ] && [ "$(scripts/numpy-version newest "$(version "$newer")")" = "$newest" ]; then
        scripts/numpy-venv.sh .venv-numpy-newest "$newer" "$newest"
        extra+=(.venv-numpy-newest)
    else
        echo "== NOT TESTED: NumPy $newest needs Python 3.12 or later, and this machine has none (install one, e.g. with pyenv, to test it)" >&2
    fi
fi

# All environments at once: four pytest processes (two for .venv) on the
# machine's two cores, so none waits for the slowest.
pids=()
for env in "${extra[@]}"; do
    echo "== pytest on $env: $($env/bin/python -V), NumPy $($env/bin/python -c 'import numpy; print(numpy.__version__)') (log: $env/pytest.log)" >&2
    # (a sixteenth of the cases there, every case on .venv: tests/conftest.py,
    # JITUFUNC_TEST_SAMPLE)
    JITUFUNC_TEST_SAMPLE=16 "$env/bin/python" -m pytest "${pytest_args[@]}" tests > "$env/pytest.log" 2>&1 &
    pids+=($!)
done
# .venv runs every case, as two processes (half the cases each, by a hash
# of the test id: tests/conftest.py, JITUFUNC_TEST_SHARD).
echo "== pytest on .venv: $(.venv/bin/python -V), NumPy $main_numpy (two halves; the second's log: .venv/pytest-half2.log)" >&2
JITUFUNC_TEST_SHARD=1/2 .venv/bin/python -m pytest "${pytest_args[@]}" tests > .venv/pytest-half2.log 2>&1 &
half2=$!
status=0
JITUFUNC_TEST_SHARD=0/2 .venv/bin/python -m pytest "${pytest_args[@]}" tests || status=$?
s=0
wait "$half2" || s=$?
echo "== pytest on .venv, second half ($(tail -n 1 .venv/pytest-half2.log))" >&2
if [ "$s" != 0 ]; then
    grep -E '^(FAILED|ERROR)' .venv/pytest-half2.log >&2 || tail -n 40 .venv/pytest-half2.log >&2
    status=$s
fi
for i in "${!extra[@]}"; do
    env=${extra[$i]}
    s=0
    wait "${pids[$i]}" || s=$?
    echo "== pytest on $env ($(tail -n 1 "$env/pytest.log"))" >&2
    if [ "$s" != 0 ]; then
        grep -E '^(FAILED|ERROR)' "$env/pytest.log" >&2 || tail -n 40 "$env/pytest.log" >&2
        status=$s
    fi
done
exit "$status"
