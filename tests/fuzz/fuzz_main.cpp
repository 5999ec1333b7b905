// libFuzzer's entry point for one target of harness.hpp, named by HUBSIM_FUZZ_TARGET.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const hubsim::fuzz::Target* target = [] {
        const auto* t = hubsim::fuzz::find_target(HUBSIM_FUZZ_TARGET);
        if (!t) {
            std::fprintf(stderr, "no fuzz target named %s\n", HUBSIM_FUZZ_TARGET);
            std::abort();
        }
        return t;
    }();
    target->run({reinterpret_cast<const char*>(data), size});
    return 0;
}
