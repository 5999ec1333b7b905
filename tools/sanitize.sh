#!/usr/bin/env bash
# Builds hubsim and its tests with clang under sanitizers and runs them through CTest (the
# GoogleTest suite, the fuzz regression check and the Python tests, which run the
# sanitized hubsim through HUBSIM_BIN), each pass in its own build folder:
#   asan  build-asan/  ASan + UBSan (leaks included); any report stops the program
#   tsan  build-tsan/  ThreadSanitizer; any report stops the program
# Prints the time each pass took.
#
#   bash tools/sanitize.sh                                   # both passes, every test
#   SANITIZE_PASSES=asan SANITIZE_TESTS=gtest bash tools/sanitize.sh   # what tools/test.sh runs
#
# Debian's oneTBB, Open MPI and HDF5 are not instrumented: tools/sanitizers/*.supp holds
# the suppressions that needs, each with its reason.
set -euo pipefail
cd "$(dirname "$0")/.."

passes=(${SANITIZE_PASSES:-asan tsan})
tests=${SANITIZE_TESTS:-all}  # all, or gtest: the GoogleTest executables only
supp="$PWD/tools/sanitizers"

if ! command -v clang++ >/dev/null; then
  echo "sanitize.sh: clang++ not found (tools/install.sh installs it)" >&2
  exit 1
fi

run_pass() {
  local pass=$1 build=build-$1 sanitize flags=-fno-sanitize-recover=all link=
  case $pass in
    asan) sanitize=address,undefined ;;
    tsan)
      # oneTBB's handoffs made visible to TSan (tools/sanitizers/tbb_tsan.cpp).
      sanitize=thread flags+=" -DTBB_USE_PROFILING_TOOLS=2"
      link="-fsanitize=thread $PWD/$build/tbb_tsan.o"
      mkdir -p $build
      clang++ -std=c++20 -O2 -c tools/sanitizers/tbb_tsan.cpp -o $build/tbb_tsan.o || return
      ;;
    *) echo "sanitize.sh: unknown pass '$pass' (asan or tsan)" >&2 && return 2 ;;
  esac
  [ -f $build/CMakeCache.txt ] ||
    CC=clang CXX=clang++ cmake -S . -B $build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DHUBSIM_SANITIZE=$sanitize -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" \
      -DCMAKE_EXE_LINKER_FLAGS="$link" -DHUBSIM_BUILD_BENCHMARKS=OFF >/dev/null ||
      return
  # The Python suite under TSan outruns CTest's usual 15 minutes.
  [ "$pass" = tsan ] && cmake -S . -B $build -DHUBSIM_PYTHON_TESTS_TIMEOUT=7200 >/dev/null
  local targets=(hubsim_tests hubsim_fuzz_regressions)
  [ "$tests" = gtest ] || targets+=(hubsim)
  # (Called in a condition, where set -e does not hold: each step returns on failure.)
  cmake --build $build -j "$(nproc)" --target "${targets[@]}" || return
  local select=()
  [ "$tests" = gtest ] && select=(-E '^python_tests$')
  rm -rf $build/reports && mkdir -p $build/reports
  local rc=0
  ctest --test-dir $build --output-on-failure -j "$(nproc)" "${select[@]}" || rc=$?
  if [ "$pass" = tsan ]; then
    # A report with a oneTBB frame in either stack may be the unseen handoff of a stolen
    # task (see TSAN_OPTIONS below): listed by place for triage. One without is a race
    # TSan saw whole, and fails the pass.
    local reports=$build/reports n unexplained
    n=$(cat $reports/* 2>/dev/null | grep -c '^WARNING: ThreadSanitizer' || true)
    unexplained=$(cat $reports/* 2>/dev/null | awk 'BEGIN { RS = "==================" }
      /WARNING: ThreadSanitizer/ && !/tbb::detail|libtbb/ { n++ } END { print n + 0 }')
    echo "sanitize.sh: tsan: $n reports in $reports/, $unexplained without a oneTBB frame; by place:"
    cat $reports/* 2>/dev/null | grep '^SUMMARY: ThreadSanitizer' |
      sed -E 's/^SUMMARY: ThreadSanitizer: //; s/ \(BuildId[^)]*\)//' | sort | uniq -c | sort -rn
    [ "$unexplained" -eq 0 ] || rc=1
  fi
  return $rc
}

export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:strict_init_order=1:detect_stack_use_after_return=1
export LSAN_OPTIONS=suppressions=$supp/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# TSan cannot see a task stolen by another thread in Debian's libtbb (tsan.supp), so a
# report in hubsim's code run by a task may be that handoff, not a race: reports go to
# build-tsan/reports/ and are summed up at the end instead of failing the tests there.
export TSAN_OPTIONS="second_deadlock_stack=1:suppressions=$supp/tsan.supp:print_suppressions=0"
TSAN_OPTIONS+=":exitcode=0:log_path=$PWD/build-tsan/reports/tsan"

times=()
status=0
for pass in "${passes[@]}"; do
  start=$(date +%s)
  result=passed
  run_pass "$pass" || { result=FAILED && status=1; }
  times+=("sanitize.sh: $pass ($tests tests) $result in $(($(date +%s) - start)) s (build and tests)")
done
printf '%s\n' "${times[@]}"
exit $status
