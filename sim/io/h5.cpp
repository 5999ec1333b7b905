#include "h5.hpp"

#include <tbb/version.h>

#include <algorithm>
#include <boost/version.hpp>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "hubsim/io/output.hpp"
#include "hubsim/version.hpp"

namespace hubsim::h5 {

Scales::~Scales() {
    for (auto& [name, id] : ids_) H5Dclose(id);
}

void Scales::add(const std::string& axis, hid_t ds) {
    ids_.emplace_back(axis, ds);  // owned from here, even if the next line throws
    check(H5DSset_scale(ds, axis.c_str()), "make a dimension scale");
}

hid_t Scales::operator[](const std::string& axis) const {
    for (const auto& [name, id] : ids_)
        if (name == axis) return id;
    throw std::runtime_error("HDF5: no axis " + axis);
}

hsize_t Scales::size(const std::string& axis) const {
    Handle space(H5Dget_space((*this)[axis]), H5Sclose, "read a scale's size");
    hsize_t n = 0;
    H5Sget_simple_extent_dims(space, &n, nullptr);
    return n;
}

namespace {

/// Grows a file in memory by this much at a time.
constexpr std::size_t kMemoryIncrement = std::size_t{1} << 20;

using Buffer = MemoryFile::Buffer;

void* image_malloc(std::size_t size, H5FD_file_image_op_t, void* udata) {
    auto* b = static_cast<Buffer*>(udata);
    void* p = std::malloc(size);
    if (p) *b = {p, size};
    return p;
}

void* image_memcpy(void* dest, const void* src, std::size_t size, H5FD_file_image_op_t, void*) {
    return std::memcpy(dest, src, size);
}

void* image_realloc(void* ptr, std::size_t size, H5FD_file_image_op_t, void* udata) {
    auto* b = static_cast<Buffer*>(udata);
    void* p = std::realloc(ptr, size);
    if (p) *b = {p, size};
    return p;
}

herr_t image_free(void* ptr, H5FD_file_image_op_t, void* udata) {
    auto* b = static_cast<Buffer*>(udata);
    if (ptr == b->data) *b = {};
    std::free(ptr);
    return 0;
}

// The user data is the MemoryFile's own Buffer, which outlives every copy HDF5 makes of
// the property list: copies share it.
void* udata_copy(void* udata) {
    return udata;
}

herr_t udata_free(void*) {
    return 0;
}

}  // namespace

MemoryFile::MemoryFile(const std::filesystem::path& path) : path_(path) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors become exceptions, not stderr noise
    Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "make a file access list");
    check(H5Pset_fapl_core(fapl, kMemoryIncrement, 0), "keep a file in memory");
    H5FD_file_image_callbacks_t callbacks = {image_malloc, image_memcpy, image_realloc, image_free,
                                             udata_copy,   udata_free,   &buffer_};
    check(H5Pset_file_image_callbacks(fapl, &callbacks), "set file image callbacks");
    const std::string name = path.string() + " (in memory)";
    file_ = H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (file_ < 0) throw std::runtime_error("HDF5: cannot create a file in memory");
}

MemoryFile::~MemoryFile() {
    H5Fclose(file_);
}

void MemoryFile::save() {
    check(H5Fflush(file_, H5F_SCOPE_GLOBAL), "flush the output file");
    const ssize_t size = H5Fget_file_image(file_, nullptr, 0);
    if (size < 0) throw std::runtime_error("HDF5: cannot measure the output file");
    const auto n = static_cast<std::size_t>(size);
    H5F_info2_t info{};
    check(H5Fget_info2(file_, &info), "read the file's superblock version");
    // HDF5's buffer is the file byte for byte but for the superblock's status flags, which
    // say "open for writing" until it closes (H5Fget_file_image clears them in its copy):
    // in a version 0 or 1 superblock at the start of the file, 4 bytes at offset 20. The
    // first bytes go out from a corrected copy and the rest straight from the buffer, so
    // the file is never held twice. Anything else takes HDF5's own copy.
    constexpr std::size_t kFlagsAt = 20, kHead = 24;
    constexpr std::string_view kSignature("\x89HDF\r\n\x1a\n", 8);
    const auto* bytes = static_cast<const char*>(buffer_.data);
    if (bytes && info.super.version < 2 && n >= kHead && n <= buffer_.size &&
        std::string_view(bytes, kSignature.size()) == kSignature &&
        static_cast<unsigned>(bytes[kSignature.size()]) == info.super.version) {
        std::string head(bytes, kHead);
        std::fill(head.begin() + kFlagsAt, head.end(), '\0');
        const std::string_view pieces[] = {head, {bytes + kHead, n - kHead}};
        write_bytes_atomically(path_, pieces);
        return;
    }
    std::string image(n, '\0');
    if (H5Fget_file_image(file_, image.data(), n) != size)
        throw std::runtime_error("HDF5: cannot copy the output file out of memory");
    write_bytes_atomically(path_, image);
}

void write_provenance(hid_t file, const std::string& command_line, int threads) {
    attr_string(file, "hubsim_version", kVersion);
    attr_string(file, "created", utc_now_iso8601());
    attr_string(file, "git_commit", kGitCommit);
    attr_string(file, "command_line", command_line);
    attr_number<std::int32_t>(file, "threads", threads);
    unsigned maj = 0, min = 0, rel = 0;
    H5get_libversion(&maj, &min, &rel);
    attr_string(file, "library_versions",
                "hdf5 " + std::to_string(maj) + "." + std::to_string(min) + "." +
                    std::to_string(rel) + "; onetbb " + std::to_string(TBB_VERSION_MAJOR) + "." +
                    std::to_string(TBB_VERSION_MINOR) + "; boost " +
                    std::to_string(BOOST_VERSION / 100000) + "." +
                    std::to_string(BOOST_VERSION / 100 % 1000) + "; yaml-cpp 0.7");
}

void write_target_table(hid_t loc, const Scales& root, const TargetTable& t,
                        const std::string& day_units) {
    auto strings = [&](const char* name, const std::vector<std::string>& v, const char* long_name) {
        Handle ds(string_vector(loc, name, v), H5Dclose, name);
        check(H5DSattach_scale(ds, root["target"], 0), "attach a dimension scale");
        attr_string(ds, "long_name", long_name);
    };
    strings("target_measure", t.measure,
            "what each target counts: engaged_share (the share of the phase's schools ever "
            "engaged) or active_leaders (active LLME, of the role or of every role)");
    strings("target_phase", t.phase, "the phase a share target is for (\"\" otherwise)");
    strings("target_role", t.role, "the role a leader target counts (\"\": every role)");
    put(loc, "target_value", {"target"}, root, nullptr, t.value.data(),
        "the value each target's measure must reach: a share, or a number of leaders");
    put(loc, "target_per_hub", {"target"}, root, nullptr, t.per_hub.data(),
        "1: met when every hub reaches the value (for leader targets)");
    strings("target_by", t.by, "the date by which each target is due");
    put(loc, "target_by_day", {"target"}, root, nullptr, t.by_day.data(),
        "the day each target is due", day_units);
}

TargetTable read_target_table(hid_t loc) {
    TargetTable t;
    t.label = read_strings(loc, "target");
    t.phase = read_strings(loc, "target_phase");
    t.role = read_strings(loc, "target_role");
    t.measure = read_strings(loc, "target_measure");
    read(loc, "target_per_hub", t.per_hub);
    t.by = read_strings(loc, "target_by");
    read(loc, "target_value", t.value);
    read(loc, "target_by_day", t.by_day);
    return t;
}

std::string attr_text(hid_t obj, const char* name) {
    Handle a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose, "open an attribute");
    Handle type(string_type(), H5Tclose, "make a string type");
    char* p = nullptr;
    check(H5Aread(a, type, &p), "read an attribute");
    std::string s = p ? p : "";
    H5free_memory(p);
    return s;
}

}  // namespace hubsim::h5
