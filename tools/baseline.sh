#!/usr/bin/env bash
# The main job, on a fresh Debian 12 machine: install what hubsim needs, build it, run the
# England baseline into results/england.h5 (printing a summary) and write its report to
# results/england-report/index.html.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install.sh
bash tools/build.sh
./build/hubsim run scenarios/england.yaml -o results/england.h5 "$@"
./build/hubsim report results/england.h5 -o results/england-report
