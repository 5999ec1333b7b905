#!/usr/bin/env bash
# Builds hubsim and its tests with clang under sanitizers and runs them through CTest (the
# GoogleTest suite, the fuzz regression check and the Python tests, which run the
# sanitized hubsim through HUBSIM_BIN), each pass in its own build folder:
#   asan  build-asan/  ASan + UBSan (leaks included); any report stops the program
#   tsan  build-tsan/  ThreadSanitizer, against a oneTBB built from Debian's own source
#                      under ThreadSanitizer (build-tsan/tbb-tsan/, built once); any
#                      report stops the program and fails the pass
# Prints the time each pass took.
#
#   bash tools/sanitize.sh                                   # both passes, every test
#   SANITIZE_PASSES=asan SANITIZE_TESTS=gtest bash tools/sanitize.sh   # ASan, GoogleTest only
#   SANITIZE_PASSES=tsan bash tools/sanitize.sh              # TSan, every test
#
# The tsan pass's first run fetches Debian's onetbb source (deb.debian.org; dpkg-source,
# from dpkg-dev, which build-essential brings) and builds it: under a minute on 2 cores.
#
# Debian's Open MPI and HDF5 are not instrumented: tools/sanitizers/*.supp holds the
# suppressions that needs, each with its reason.
set -euo pipefail
cd "$(dirname "$0")/.."

passes=(${SANITIZE_PASSES:-asan tsan})
tests=${SANITIZE_TESTS:-all}  # all, or gtest: the GoogleTest executables only
supp="$PWD/tools/sanitizers"

if ! command -v clang++ >/dev/null; then
  echo "sanitize.sh: clang++ not found (tools/install.sh installs it)" >&2
  exit 1
fi

# oneTBB under ThreadSanitizer: Debian's libtbb is not instrumented, so TSan could not see
# a task handed from one worker to another. This builds the installed libtbb-dev's own
# version from Debian's source package (apt-get source, through a private apt
# configuration in $1/tbb-apt/: the system's apt sources are not touched), with clang and
# -fsanitize=thread, the tbb library only, into $1/tbb-tsan/. Done once; a stamp records
# the version and flags, and a later pass with the same ones uses what is there.
build_tbb_tsan() {
  local build=$PWD/$1 prefix=$PWD/$1/tbb-tsan
  local package version
  package=$(dpkg-query -W -f='${source:Package}' libtbb-dev 2>/dev/null || true)
  version=$(dpkg-query -W -f='${source:Version}' libtbb-dev 2>/dev/null || true)
  if [ -z "$package" ] || [ -z "$version" ]; then
    echo "sanitize.sh: libtbb-dev is not installed (tools/install.sh installs it)" >&2
    return 1
  fi
  local stamp="$package $version: clang++, RelWithDebInfo, TBB_SANITIZE=thread"
  [ "$(cat "$prefix/stamp" 2>/dev/null)" = "$stamp" ] && return 0
  if ! command -v dpkg-source >/dev/null; then
    echo "sanitize.sh: dpkg-source not found (dpkg-dev; tools/install.sh installs build-essential, which brings it)" >&2
    return 1
  fi
  echo "sanitize.sh: building $package $version under ThreadSanitizer into $prefix"
  local start=$SECONDS
  # Debian's archive, sources only, for this release (its signing keys come with every
  # Debian system); lists and downloads stay in $build/tbb-apt/.
  local apt=$build/tbb-apt codename
  codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
  rm -rf "$apt" && mkdir -p "$apt"/{lists/partial,cache/archives/partial,sources.list.d}
  : >"$apt/sources.list"
  cat >"$apt/sources.list.d/debian-sources.sources" <<SOURCES
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $codename $codename-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: $codename-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=$apt/sources.list.d"
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o APT::Sandbox::User=root -qq)
  apt-get "${opts[@]}" update || return
  rm -rf "$build/tbb-src" && mkdir -p "$build/tbb-src"
  (cd "$build/tbb-src" && apt-get "${opts[@]}" source "$package=$version") || {
    echo "sanitize.sh: Debian's archive no longer has $package $version;" \
      "upgrade libtbb-dev (apt-get install --only-upgrade libtbb-dev) and run again" >&2
    return 1
  }
  local src
  src=$(find "$build/tbb-src" -mindepth 1 -maxdepth 1 -type d) || return
  # TBB_SANITIZE adds -fsanitize=thread to oneTBB's own flags; its warnings are not ours
  # (TBB_STRICT off), and hwloc (tbbbind) is not needed.
  rm -rf "$build/tbb-build" "$prefix"
  CC=clang CXX=clang++ cmake -S "$src" -B "$build/tbb-build" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS=-fno-omit-frame-pointer \
    -DTBB_SANITIZE=thread -DTBB_TEST=OFF -DTBB_EXAMPLES=OFF -DTBBMALLOC_BUILD=OFF \
    -DTBB_STRICT=OFF -DTBB_DISABLE_HWLOC_AUTOMATIC_SEARCH=ON \
    -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib >/dev/null || return
  cmake --build "$build/tbb-build" -j "$(nproc)" || return
  cmake --install "$build/tbb-build" >/dev/null || return
  echo "$stamp" >"$prefix/stamp"
  echo "sanitize.sh: oneTBB fetched and built in $((SECONDS - start)) s"
}

run_pass() {
  local pass=$1 build=build-$1 sanitize flags=-fno-sanitize-recover=all
  local extra=()
  case $pass in
    asan) sanitize=address,undefined ;;
    tsan)
      sanitize=thread
      build_tbb_tsan $build || return
      # Headers and library from the instrumented oneTBB, and a run path so that every
      # binary of the pass loads it rather than Debian's.
      extra=(-DTBB_DIR="$PWD/$build/tbb-tsan/lib/cmake/TBB"
        -DCMAKE_BUILD_RPATH="$PWD/$build/tbb-tsan/lib"
        -DHUBSIM_PYTHON_TESTS_TIMEOUT=7200)  # room over CTest's 15 minutes for a loaded machine
      ;;
    *) echo "sanitize.sh: unknown pass '$pass' (asan or tsan)" >&2 && return 2 ;;
  esac
  CC=clang CXX=clang++ cmake -S . -B $build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DHUBSIM_SANITIZE=$sanitize -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" \
    -DCMAKE_EXE_LINKER_FLAGS= -DHUBSIM_BUILD_BENCHMARKS=OFF "${extra[@]}" >/dev/null ||
    return
  local targets=(hubsim_tests hubsim_fuzz_regressions)
  [ "$tests" = gtest ] || targets+=(hubsim)
  # (Called in a condition, where set -e does not hold: each step returns on failure.)
  cmake --build $build -j "$(nproc)" --target "${targets[@]}" || return
  if [ "$pass" = tsan ]; then
    local exe libs
    for exe in $build/hubsim $build/tests/hubsim_tests; do
      libs=$(ldd $exe) || return
      grep -q "=> $PWD/$build/tbb-tsan/lib/libtbb.so" <<<"$libs" && continue
      echo "sanitize.sh: $exe does not load the instrumented oneTBB:" >&2
      grep tbb <<<"$libs" >&2
      return 1
    done
  fi
  local select=()
  [ "$tests" = gtest ] && select=(-E '^python_tests$')
  rm -rf $build/reports && mkdir -p $build/reports
  local rc=0
  ctest --test-dir $build --output-on-failure -j "$(nproc)" "${select[@]}" || rc=$?
  if [ "$pass" = tsan ]; then
    # Every report also goes to a file (a test that expects a failing exit status might
    # not show it): any report fails the pass.
    local n
    n=$(cat $build/reports/* 2>/dev/null | grep -c '^WARNING: ThreadSanitizer' || true)
    echo "sanitize.sh: tsan: $n reports in $build/reports/"
    cat $build/reports/* 2>/dev/null | grep '^SUMMARY: ThreadSanitizer' |
      sed -E 's/^SUMMARY: ThreadSanitizer: //; s/ \(BuildId[^)]*\)//' | sort | uniq -c | sort -rn
    if [ "$n" -gt 0 ]; then
      echo "sanitize.sh: tsan: the first report:"
      cat "$(ls $build/reports/* | head -1)"
      rc=1
    fi
  fi
  return $rc
}

export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:strict_init_order=1:detect_stack_use_after_return=1
export LSAN_OPTIONS=suppressions=$supp/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# Any report stops the program (exit status 66) and is written to build-tsan/reports/.
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$supp/tsan.supp:print_suppressions=0"
TSAN_OPTIONS+=":log_path=$PWD/build-tsan/reports/tsan"

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
