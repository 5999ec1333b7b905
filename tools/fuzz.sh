#!/usr/bin/env bash
# Builds the libFuzzer targets of hubsim's readers (tests/fuzz, clang, ASan+UBSan) in
# build-fuzz/ and fuzzes each for FUZZ_SECONDS seconds (default 180), one after another on
# one core, then prints per target: executions, coverage (cov/ft), time and findings.
#
#   bash tools/fuzz.sh                                   # every target, 180 s each
#   FUZZ_SECONDS=600 FUZZ_TARGETS="sweep" bash tools/fuzz.sh
#
# A crash, an uncaught exception other than InputError, UB, a leak, an input that takes
# over FUZZ_TIMEOUT seconds (default 10) or over FUZZ_RSS_MB of memory (default 2048)
# is a finding: libFuzzer's fork mode saves its input to tests/fuzz/regressions/<target>/
# and goes on. Those files are replayed by the regression check in the normal suite
# (tests/fuzz/test_regressions.cpp), so triage each one: fix the reader, or mark the
# finding open there. build-fuzz/logs/<target>.findings names each new reproducer with the
# error it gives. HUBSIM_FUZZ_IGNORE=yaml-cpp makes the targets also catch yaml-cpp's
# exceptions, to look past open findings of that kind. The growing corpus stays in
# build-fuzz/corpus/ between runs; the seeds are made afresh from the shipped files.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-180}
timeout=${FUZZ_TIMEOUT:-10}
rss_mb=${FUZZ_RSS_MB:-2048}
targets=(${FUZZ_TARGETS:-scenario schools_csv sweep calibration observations})
build=build-fuzz

if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: clang++ not found (tools/install.sh installs it)" >&2
  exit 1
fi
[ -f $build/CMakeCache.txt ] ||
  CC=clang CXX=clang++ cmake -S . -B $build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHUBSIM_FUZZ=ON \
    -DHUBSIM_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build $build -j "$(nproc)" --target "${targets[@]/#/fuzz_}"

# Seeds from the shipped files, their data files renamed to the fixtures that lie beside
# a fuzz input (tests/fuzz/fixtures), so that a seed is a valid input.
seeds=$build/seeds
rm -rf $seeds
mkdir -p $seeds/{scenario,schools_csv,sweep,calibration,observations}
fixtures=tests/fuzz/fixtures
for f in scenarios/*.yaml; do
  sed -e 's#england/hubs.csv#hubs.csv#; s#england/\(schools\|colleges\).csv#schools.csv#' \
    -e 's#calibration/england_posterior.csv#posterior.csv#; s#^base: .*#base: scenario.yaml#' \
    "$f" >$seeds/scenario/"$(basename "$f")"
done
cp $fixtures/scenario.yaml $seeds/scenario/fixture.yaml
cp $fixtures/schools.csv $seeds/schools_csv/fixture.csv
head -n 20 scenarios/england/schools.csv >$seeds/schools_csv/england_schools.csv
head -n 5 scenarios/england/colleges.csv >$seeds/schools_csv/england_colleges.csv
for f in scenarios/sweeps/*.yaml; do
  sed 's#^scenario: .*#scenario: scenario.yaml#' "$f" >$seeds/sweep/"$(basename "$f")"
done
sed -e 's#^scenario: .*#scenario: scenario.yaml#; s#^observations: .*#observations: observations.csv#' \
  scenarios/calibration/england.yaml >$seeds/calibration/england.yaml
cp scenarios/calibration/england_history.csv $seeds/observations/
cp $fixtures/observations.csv $seeds/observations/fixture.csv

dict_of() { case $1 in schools_csv | observations) echo tests/fuzz/csv.dict ;; *) echo tests/fuzz/yaml.dict ;; esac; }

export TMPDIR="$PWD/$build/tmp"  # the harness's temporary folders, left behind by a crash
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
summary=()
for t in "${targets[@]}"; do
  regressions=tests/fuzz/regressions/$t
  mkdir -p $build/corpus/$t $build/logs "$TMPDIR" $regressions
  ls $regressions >$build/logs/$t.before
  log=$build/logs/$t.log
  echo "fuzz.sh: fuzzing $t for ${seconds}s (log: $log)"
  start=$(date +%s)
  # Fork mode with one worker: a finding is saved and fuzzing goes on.
  ./$build/tests/fuzz/fuzz_$t -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
    -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb="$rss_mb" \
    -dict="$(dict_of "$t")" -artifact_prefix=$regressions/ -print_final_stats=1 \
    $build/corpus/$t $seeds/$t $regressions >"$log" 2>&1 || true
  elapsed=$(($(date +%s) - start))
  rm -rf "${TMPDIR:?}"/hubsim-fuzz-*
  # The last status line: "#N: cov: C ft: F corp: ... oom/timeout/crash: O/T/X time: ...".
  last=$(grep -E '^#[0-9]+: cov: ' "$log" | tail -n 1)
  execs=$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$last")
  cov=$(sed -E 's/.* cov: ([0-9]+).*/\1/' <<<"$last")
  ft=$(sed -E 's/.* ft: ([0-9]+).*/\1/' <<<"$last")
  otc=$(sed -E 's#.*oom/timeout/crash: ([0-9]+/[0-9]+/[0-9]+).*#\1#' <<<"$last")
  # Each new reproducer replayed once, for the first line of what it breaks.
  : >$build/logs/$t.findings
  for f in $(ls $regressions | grep -vxF -f $build/logs/$t.before); do
    why=$(timeout $((timeout * 3)) ./$build/tests/fuzz/fuzz_$t -rss_limit_mb="$rss_mb" \
      -timeout="$timeout" $regressions/$f 2>&1 |
      grep -m1 -E 'what\(\)|ERROR: |runtime error|SUMMARY' || true)
    echo "$regressions/$f: $why" >>$build/logs/$t.findings
  done
  rm -rf "${TMPDIR:?}"/hubsim-fuzz-*
  new=$(wc -l <$build/logs/$t.findings)
  leaks=$(grep -c "^$regressions/leak-" $build/logs/$t.findings || true)
  summary+=("$(printf '%-13s executions %10s  cov %5s  ft %6s  time %5ss  oom/timeout/crash %s  leaks %s  new reproducers %s' \
    "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$elapsed" "${otc:-?}" "$leaks" "$new")")
done
echo
printf '%s\n' "${summary[@]}"
