#!/usr/bin/env bash
# Runs every test: builds, then the GoogleTest suite and the Python tests through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)"
