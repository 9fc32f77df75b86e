#!/usr/bin/env bash
# Sets up (scripts/setup.sh), then runs the quickstart demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python examples/quickstart.py
