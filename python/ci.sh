#!/usr/bin/env bash
# Build the Python package into a fresh virtual environment and run its tests.
#
#   python/ci.sh            (from anywhere; needs Rust, Python >= 3.9 and network access to PyPI)
#
# Steps: build the CLI the tests compare against (cargo, release); create a venv in a temporary
# folder; `pip install ./python` (maturin from PyPI builds the extension, reusing the workspace's
# target/ folder); install the pinned test peers; run pytest. The venv is removed afterwards.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"
venv="$(mktemp -d "${TMPDIR:-/tmp}/sparsewave-py-ci.XXXXXX")"
trap 'rm -rf "$venv"' EXIT

cd "$repo"
cargo build --release -p sparsewave-cli
export SPARSEWAVE_CLI="$repo/target/release/sparsewave"

"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r python/requirements-test.txt
"$venv/bin/python" -m pip install --quiet ./python

# Run from outside the source tree so that the installed package (not python/sparsewave) is
# imported.
cd "$venv"
"$venv/bin/python" -m pytest -q "$repo/python/tests"
