#!/usr/bin/env bash
# Configures (once) and builds hubsim in build/ (Release, -Wall -Wextra).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/CMakeCache.txt ] || cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$(nproc)"
