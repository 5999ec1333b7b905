#include "h5.hpp"

#include <tbb/version.h>

#include <boost/version.hpp>

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
