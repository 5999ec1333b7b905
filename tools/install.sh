#!/usr/bin/env bash
# Installs every Debian package hubsim needs to build, test, benchmark and report.
# Idempotent: does nothing (no apt-get at all) when every package is already present.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config clang clang-format
  libboost-dev libboost-program-options-dev libboost-date-time-dev
  libtbb-dev libyaml-cpp-dev libhdf5-dev zlib1g-dev librandom123-dev
  libpagmo-dev   # NSGA-II for hubsim optimise
  nlohmann-json3-dev   # JSON: hubsim schema (and the studio's API)
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # cluster runs (Slurm and munge: the test suite runs the Slurm templates on a private one-node Slurm)
  openmpi-bin libopenmpi-dev slurm-wlm munge
  # docs/cluster.md measures a sweep with /usr/bin/time -v
  time
  # Python tools and their tests (Debian's interpreter, /usr/bin/python3)
  python3 python3-numpy python3-h5py python3-xarray python3-h5netcdf python3-netcdf4
  python3-matplotlib python3-jinja2 python3-pytest python3-simpy3 python3-yaml
  python3-jsonschema   # checks every shipped scenario against hubsim schema
  # report tests: a real headless browser
  chromium chromium-driver
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install.sh: all ${#packages[@]} packages present"
  exit 0
fi

echo "install.sh: installing ${#missing[@]} packages: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
