#!/usr/bin/env bash
# Builds hubsim and its GoogleTest suite with clang++ in build-clang/ and runs the suite,
# the pinned results among it: the code compiles with clang as well as g++, without
# warnings, and gives the same results. tools/test.sh runs it after the main suite.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang++ >/dev/null; then
  echo "build_clang.sh: clang++ not found (tools/install.sh installs it)" >&2
  exit 1
fi
[ -f build-clang/CMakeCache.txt ] ||
  CC=clang CXX=clang++ cmake -S . -B build-clang -DCMAKE_BUILD_TYPE=Release \
    -DHUBSIM_BUILD_BENCHMARKS=OFF -DHUBSIM_WERROR=ON >/dev/null
cmake --build build-clang -j "$(nproc)" --target hubsim hubsim_tests
./build-clang/tests/hubsim_tests --gtest_brief=1
