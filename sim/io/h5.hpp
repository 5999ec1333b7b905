#pragma once
// HDF5 helpers shared by the writers and readers in sim/io (internal, not public API).

#include <fcntl.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <tbb/parallel_for.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "hubsim/io/atomic_file.hpp"
#include "hubsim/io/output.hpp"

namespace hubsim::h5 {

/// Owns an HDF5 identifier and closes it with the right function.
class Handle {
  public:
    Handle(hid_t id, herr_t (*close)(hid_t), const char* what) : id_(id), close_(close) {
        if (id_ < 0) throw std::runtime_error(std::string("HDF5: cannot ") + what);
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() {
        if (id_ >= 0) close_(id_);
    }
    operator hid_t() const { return id_; }

  private:
    hid_t id_;
    herr_t (*close_)(hid_t);
};

inline void check(herr_t status, const char* what) {
    if (status < 0) throw std::runtime_error(std::string("HDF5: cannot ") + what);
}

inline hid_t string_type() {
    const hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

inline void attr_string(hid_t obj, const char* name, const std::string& value) {
    Handle type(string_type(), H5Tclose, "make a string type");
    Handle space(H5Screate(H5S_SCALAR), H5Sclose, "make a scalar space");
    Handle attr(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                "create an attribute");
    const char* p = value.c_str();
    check(H5Awrite(attr, type, &p), "write an attribute");
}

template <class T>
hid_t native();
template <>
inline hid_t native<std::uint32_t>() {
    return H5T_NATIVE_UINT32;
}
template <>
inline hid_t native<std::int32_t>() {
    return H5T_NATIVE_INT32;
}
template <>
inline hid_t native<double>() {
    return H5T_NATIVE_DOUBLE;
}
template <>
inline hid_t native<std::int64_t>() {
    return H5T_NATIVE_INT64;
}
template <>
inline hid_t native<std::uint64_t>() {
    return H5T_NATIVE_UINT64;
}

template <class T>
void attr_number(hid_t obj, const char* name, T value) {
    Handle space(H5Screate(H5S_SCALAR), H5Sclose, "make a scalar space");
    Handle attr(H5Acreate2(obj, name, native<T>(), space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                "create an attribute");
    check(H5Awrite(attr, native<T>(), &value), "write an attribute");
}

inline void scalar_string(hid_t loc, const char* name, const std::string& value) {
    Handle type(string_type(), H5Tclose, "make a string type");
    Handle space(H5Screate(H5S_SCALAR), H5Sclose, "make a scalar space");
    Handle ds(H5Dcreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose,
              "create a dataset");
    const char* p = value.c_str();
    check(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &p), "write a dataset");
}

/// A 1-D dataset of strings.
inline hid_t string_vector(hid_t loc, const char* name, const std::vector<std::string>& values) {
    Handle type(string_type(), H5Tclose, "make a string type");
    const hsize_t n = values.size();
    Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose, "make a space");
    const hid_t ds = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (ds < 0) throw std::runtime_error(std::string("HDF5: cannot create ") + name);
    std::vector<const char*> ptrs;
    for (const auto& v : values) ptrs.push_back(v.c_str());
    if (n > 0)
        check(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), "write strings");
    return ds;
}

/// One chunk as HDF5's shuffle and deflate filters would store it: bytes grouped by their
/// place in each element (so the high, mostly zero bytes of counts sit together), then
/// zlib-compressed.
inline std::vector<unsigned char> shuffle_deflate(const unsigned char* bytes, std::size_t n,
                                                  std::size_t element_size, int level) {
    std::vector<unsigned char> shuffled(n);
    const std::size_t elements = n / element_size;
    for (std::size_t i = 0; i < elements; ++i)
        for (std::size_t b = 0; b < element_size; ++b)
            shuffled[b * elements + i] = bytes[i * element_size + b];
    uLongf size = compressBound(static_cast<uLong>(n));
    std::vector<unsigned char> out(size);
    if (compress2(out.data(), &size, shuffled.data(), static_cast<uLong>(n), level) != Z_OK)
        throw std::runtime_error("zlib: cannot compress a chunk");
    out.resize(size);
    return out;
}

/// Writes `data` (laid out as `dims`) chunk by chunk, each chunk shuffled and deflated on
/// a thread of its own and then written as it is (H5Dwrite_chunk): the same file HDF5's
/// filters make, with the compression, which is most of the writing, in parallel. Chunks
/// split the first axis into single rows and the second into `chunk[1]`; the rest whole.
template <class T>
void write_chunks(hid_t ds, const std::vector<hsize_t>& dims, const std::vector<hsize_t>& chunk,
                  const T* data, int level) {
    const std::size_t rank = dims.size();
    hsize_t inner = 1;  // elements in one index of the second axis
    for (std::size_t k = 2; k < rank; ++k) inner *= dims[k];
    const hsize_t rows = rank > 1 ? dims[0] : 1;
    const hsize_t width = rank > 1 ? dims[1] : dims[0];  // the split axis
    const hsize_t step = rank > 1 ? chunk[1] : chunk[0];
    const hsize_t per_row = (width + step - 1) / step;
    std::vector<std::vector<unsigned char>> packed(rows * per_row);
    tbb::parallel_for(hsize_t{0}, rows * per_row, [&](hsize_t c) {
        const hsize_t row = c / per_row, from = (c % per_row) * step;
        const hsize_t count = std::min(step, width - from) * inner;
        std::vector<T> full(step * inner, T{});  // an edge chunk is padded to full size
        const T* src = data + (row * width + from) * inner;
        std::copy(src, src + count, full.begin());
        packed[c] = shuffle_deflate(reinterpret_cast<const unsigned char*>(full.data()),
                                    full.size() * sizeof(T), sizeof(T), level);
    });
    std::vector<hsize_t> offset(rank, 0);
    for (hsize_t c = 0; c < rows * per_row; ++c) {
        if (rank > 1) {
            offset[0] = c / per_row;
            offset[1] = (c % per_row) * step;
        }
        check(H5Dwrite_chunk(ds, H5P_DEFAULT, 0, offset.data(), packed[c].size(), packed[c].data()),
              "write a chunk");
    }
}

/// zlib's fastest level: the output's counts, shuffled, compress almost as well at 1 as at 4
/// (England, 1,000 replications: 63.7 MB against 60.0 MB) in 30% less writing time.
inline constexpr int kDeflateLevel = 1;

/// A dataset of numbers of any rank, chunked by its first axis and compressed.
template <class T>
hid_t numeric(hid_t loc, const char* name, const std::vector<hsize_t>& dims, const T* data) {
    const int rank = static_cast<int>(dims.size());
    Handle space(H5Screate_simple(rank, dims.data(), nullptr), H5Sclose, "make a space");
    Handle plist(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "make a property list");
    hsize_t total = 1;
    for (auto d : dims) total *= d;
    if (total > 0) {
        std::vector<hsize_t> chunk(dims);
        if (rank > 1) chunk[0] = 1;  // one replication per chunk: readers slice by replication
        hsize_t chunk_elems = 1;
        for (auto c : chunk) chunk_elems *= c;
        // Keep chunks under ~1 MiB by also cutting the second axis if needed.
        while (rank > 2 && chunk_elems * sizeof(T) > (1u << 20) && chunk[1] > 1) {
            chunk[1] = (chunk[1] + 1) / 2;
            chunk_elems = 1;
            for (auto c : chunk) chunk_elems *= c;
        }
        check(H5Pset_chunk(plist, rank, chunk.data()), "set chunking");
        check(H5Pset_shuffle(plist), "set shuffle");
        check(H5Pset_deflate(plist, kDeflateLevel), "set compression");
    }
    const hid_t ds = H5Dcreate2(loc, name, native<T>(), space, H5P_DEFAULT, plist, H5P_DEFAULT);
    if (ds < 0) throw std::runtime_error(std::string("HDF5: cannot create ") + name);
    if (total > 0) {
        try {
            std::vector<hsize_t> chunk(static_cast<std::size_t>(rank));
            check(H5Pget_chunk(plist, rank, chunk.data()), "read chunking");
            write_chunks(ds, dims, chunk, data, kDeflateLevel);
        } catch (...) {
            H5Dclose(ds);
            throw;
        }
    }
    return ds;
}

/// Reads a whole numeric dataset (any rank) into `out`; returns its dimensions.
template <class T>
std::vector<hsize_t> read(hid_t loc, const char* name, std::vector<T>& out) {
    Handle ds(H5Dopen2(loc, name, H5P_DEFAULT), H5Dclose, (std::string("open ") + name).c_str());
    Handle space(H5Dget_space(ds), H5Sclose, "read a dataset's shape");
    const int rank = H5Sget_simple_extent_ndims(space);
    std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    hsize_t n = 1;
    for (auto d : dims) n *= d;
    out.resize(n);
    if (n > 0)
        check(H5Dread(ds, native<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()),
              "read a dataset");
    return dims;
}

/// Reads a scalar or 1-D string dataset.
inline std::vector<std::string> read_strings(hid_t loc, const char* name) {
    Handle ds(H5Dopen2(loc, name, H5P_DEFAULT), H5Dclose, (std::string("open ") + name).c_str());
    Handle space(H5Dget_space(ds), H5Sclose, "read a dataset's shape");
    hsize_t n = 1;
    if (H5Sget_simple_extent_ndims(space) == 1) H5Sget_simple_extent_dims(space, &n, nullptr);
    Handle type(string_type(), H5Tclose, "make a string type");
    std::vector<char*> ptrs(n, nullptr);
    if (n > 0) check(H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), "read strings");
    std::vector<std::string> out;
    for (char* p : ptrs) out.emplace_back(p ? p : "");
    if (n > 0) H5Dvlen_reclaim(type, space, H5P_DEFAULT, ptrs.data());
    return out;
}

/// A new HDF5 file held in memory until it is complete, then written to disk in one piece
/// by hubsim::write_bytes_atomically. HDF5 itself never touches the disk, so a full disk or
/// a failing device cannot leave it with a file it cannot close (which crashed the program
/// at exit); every disk error is ours to report, as OutputError naming the path and the
/// cause. The bytes go out from HDF5's own buffer (file image callbacks), not a copy.
class MemoryFile {
  public:
    explicit MemoryFile(const std::filesystem::path& path);
    MemoryFile(const MemoryFile&) = delete;
    MemoryFile& operator=(const MemoryFile&) = delete;
    ~MemoryFile();
    operator hid_t() const { return file_; }
    /// Flushes the file and writes it to the path, atomically.
    void save();

    /// The buffer HDF5 keeps the file in, as its callbacks last (re)allocated it.
    struct Buffer {
        void* data = nullptr;
        std::size_t size = 0;
    };

  private:
    std::filesystem::path path_;
    Buffer buffer_;  // its address is the callbacks' user data: the object never moves
    hid_t file_ = -1;
};

/// Creates the HDF5 file `path` atomically (MemoryFile): `fill(file)` writes it; on any
/// failure no file appears and an older `path` is untouched.
template <class F>
void create_atomically(const std::filesystem::path& path, F&& fill) {
    MemoryFile file(path);
    fill(static_cast<hid_t>(file));
    file.save();
}

/// The dimension scales of one group, by axis name. Every group that holds datasets
/// carries its own copy, so that xarray opening that group alone shows the labels.
class Scales {
  public:
    Scales() = default;
    Scales(const Scales&) = delete;
    Scales& operator=(const Scales&) = delete;
    ~Scales();
    /// Makes dataset `ds` the scale called `axis` (and owns it).
    void add(const std::string& axis, hid_t ds);
    hid_t operator[](const std::string& axis) const;
    /// The length of the axis.
    hsize_t size(const std::string& axis) const;

  private:
    std::vector<std::pair<std::string, hid_t>> ids_;
};

/// A numeric dataset shaped by the named axes of `local`, attached to those scales and,
/// when `root` is given, to the root group's scales of the same names (second).
template <class T>
void put(hid_t group, const std::string& name, const std::vector<std::string>& axes,
         const Scales& local, const Scales* root, const T* data, std::string_view long_name = {},
         std::string_view units = {}) {
    std::vector<hsize_t> dims;
    for (const auto& a : axes) dims.push_back(local.size(a));
    Handle ds(numeric(group, name.c_str(), dims, data), H5Dclose, "create a dataset");
    for (unsigned i = 0; i < axes.size(); ++i) {
        check(H5DSattach_scale(ds, local[axes[i]], i), "attach a dimension scale");
        if (root) check(H5DSattach_scale(ds, (*root)[axes[i]], i), "attach a dimension scale");
    }
    if (!long_name.empty()) attr_string(ds, "long_name", std::string(long_name));
    if (!units.empty()) attr_string(ds, "units", std::string(units));
    // A day count of -1 means "never": readers that follow the CF conventions mask it.
    if constexpr (std::is_same_v<T, std::int32_t>) attr_number<std::int32_t>(ds, "_FillValue", -1);
}

/// The root attributes that say how a file was made: hubsim_version, created, git_commit,
/// command_line, threads and library_versions.
void write_provenance(hid_t file, const std::string& command_line, int threads);

/// The target table beside the `target` axis of `root` (target_phase, target_measure,
/// target_value, target_by, target_by_day), and read back.
void write_target_table(hid_t loc, const Scales& root, const TargetTable& t,
                        const std::string& day_units);
TargetTable read_target_table(hid_t loc);

/// A string attribute of `obj`.
std::string attr_text(hid_t obj, const char* name);
/// A numeric attribute of `obj`.
template <class T>
T attr_value(hid_t obj, const char* name) {
    Handle a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose, "open an attribute");
    T v{};
    check(H5Aread(a, native<T>(), &v), "read an attribute");
    return v;
}

}  // namespace hubsim::h5
