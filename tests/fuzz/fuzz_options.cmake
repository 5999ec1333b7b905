# HUBSIM_FUZZ: build the libFuzzer targets of tests/fuzz (tools/fuzz.sh does, in
# build-fuzz/). Everything is then compiled for libFuzzer with ASan and UBSan, and UB stops
# the run, so this needs clang and a build folder of its own.
option(HUBSIM_FUZZ "Build the libFuzzer targets of tests/fuzz (clang; own build folder)" OFF)
if(HUBSIM_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "HUBSIM_FUZZ needs clang: configure with CC=clang CXX=clang++")
  endif()
  set(HUBSIM_SANITIZE "fuzzer-no-link,address,undefined")
  add_compile_options(-fno-sanitize-recover=all)
endif()
