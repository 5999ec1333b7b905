#!/usr/bin/env bash
# Regenerates tests/regression/pinned_results.yaml: the pinned results of every shipped
# scenario. Run it only when a change is meant to alter results; then review the diff it
# prints and add a line to CHANGELOG.md ("Changes that alter results") saying why.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh >/dev/null
HUBSIM_UPDATE_PINS=1 ./build/tests/hubsim_tests --gtest_filter='PinnedResults.*' >/dev/null
git --no-pager diff --stat -- tests/regression/pinned_results.yaml
git --no-pager diff -- tests/regression/pinned_results.yaml | grep -E '^[-+] ' | grep -v '^[-+]   [a-z_]*/' || true
echo "pins written; now say why in CHANGELOG.md"
