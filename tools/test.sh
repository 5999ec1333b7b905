#!/usr/bin/env bash
# Runs every test: builds, then the GoogleTest suite and the Python tests through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)"
# The same suite built with clang++ (no warnings allowed): same results, pinned.
bash tools/build_clang.sh
