#!/usr/bin/env bash
# The main job, on a fresh Debian 12 machine: install what hubsim needs, build it, and run
# the England baseline into results/england.h5 (printing a summary).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install.sh
bash tools/build.sh
./build/hubsim run scenarios/england.yaml -o results/england.h5 "$@"
