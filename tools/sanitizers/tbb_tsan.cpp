// ThreadSanitizer cannot see the synchronization inside Debian's libtbb (not instrumented),
// so every result a task writes and its caller reads after the join would be reported as a
// race. Compiled with TBB_USE_PROFILING_TOOLS=2, oneTBB's headers announce each handoff
// (spawn, a child joining its parent, the end of a wait) by calling
// tbb::detail::r1::call_itt_notify; this definition, linked into every executable of the
// tsan pass ahead of libtbb's, turns those calls into TSan's happens-before annotations.
// tools/sanitize.sh builds and links it.

#include <sanitizer/tsan_interface.h>

namespace tbb::detail::r1 {

void call_itt_notify(int type, void* ptr) {
    enum { prepare, cancel, acquired, releasing, destroy };  // tbb::detail::d1::notify_type
    if (type == releasing)
        __tsan_release(ptr);
    else if (type == acquired)
        __tsan_acquire(ptr);
}

}  // namespace tbb::detail::r1
