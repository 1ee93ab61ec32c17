// Files. Network JSON is the exact format: format version, weights as integer/rational strings,
// input map, label map, construction, options, seed, dataset fingerprint, statistics; load →
// save round-trips byte-identically. Float exports (a table of formats: safetensors, npz) carry
// float64 (or float32) layers that a few lines of NumPy can run. All writes are atomic
// (temporary file + rename): a failed run leaves no partial file. Readers for the dataset
// formats live here too.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mnemo/network.h"

namespace mnemo {

/// Writes `contents` to `path` atomically (temp file in the same directory, fsync, rename).
void WriteFileAtomic(const std::string& path, const std::string& contents);
/// Reads a whole file; throws mnemo::Error naming the path.
std::string ReadFile(const std::string& path);
/// Reads a file, gunzipping it when it starts with the gzip magic (throws on corrupt/truncated).
std::string ReadMaybeGzip(const std::string& path);
/// Gunzips `raw` when it starts with the gzip magic, else returns it unchanged; `path` names it
/// in messages.
std::string GunzipIfNeeded(std::string raw, const std::string& path);

/// A file read front to back in pieces of the caller's size, gunzipped on the fly when it starts
/// with the gzip magic: what the dataset readers use so that neither the compressed file nor a
/// second copy of its contents is held in memory. Throws mnemo::Error naming the path on a
/// missing file, a read error, or corrupt/truncated gzip data.
class FileReader {
 public:
  /// `gunzip` false: the bytes as they are on disk.
  explicit FileReader(const std::string& path, bool gunzip = true);
  ~FileReader();
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;
  /// Reads up to `n` bytes into `out`; fewer only at the end of the data (0: nothing left).
  size_t Read(char* out, size_t n);
  /// Reads a gzip file to its end, so its trailer (length and CRC) is checked even when the
  /// caller needs no more bytes (nothing for a plain file).
  void Finish();
  /// The size of the file on disk (compressed size for gzip).
  int64_t file_size() const { return file_size_; }
  bool gzip() const { return gzip_; }
  const std::string& path() const { return path_; }

 private:
  size_t ReadRaw(char* out, size_t n);
  size_t Inflate(char* out, size_t n);

  std::string path_;
  int fd_ = -1;
  int64_t file_size_ = 0;
  bool gzip_ = false, done_ = false;
  std::vector<char> in_;     // compressed input (gzip) / the peeked bytes (plain)
  size_t in_pos_ = 0, in_len_ = 0;
  struct ZState;
  ZState* z_ = nullptr;
};

/// The network format (docs/network-format.md, JSON Schema docs/network-format.schema.json).
/// Readers accept every version from 1 to this one; a writer writes the lowest version that
/// holds the network (2 only for text class labels, `labels.names`).
inline constexpr int kNetworkFormatVersion = 2;
std::string NetworkToJson(const Network& net);
/// Validates the whole file against the format and throws mnemo::Error with one line naming
/// `where` (usually the path) and the JSON path of the offending value.
Network NetworkFromJson(const std::string& text, const std::string& where);
void SaveNetwork(const Network& net, const std::string& path);
Network LoadNetwork(const std::string& path);

enum class ExportDtype { kFloat64, kFloat32 };
/// "float64" | "float32"; throws mnemo::Error otherwise.
ExportDtype ParseExportDtype(const std::string& name);

/// A dense float tensor of an export: name, shape (row-major), values.
struct FloatTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<double> values;
};

/// A float export format, one entry per format: its `--format` name, the file extension that
/// selects it, a line for help texts, and the writer (the file's bytes from the tensors
/// input.center (d), input.scale (scalar), layer{i}.weight (out × in), layer{i}.bias, and the
/// metadata JSON: activations, output kind, class values, construction).
struct Exporter {
  std::string name;
  std::string extension;
  std::string description;
  std::string (*write)(const std::vector<FloatTensor>& tensors, const std::string& metadata,
                       ExportDtype dtype);
};
/// Every export format (add a format by adding an entry).
const std::vector<Exporter>& Exporters();
/// Throws mnemo::Error naming the known formats (and the nearest) on an unknown name.
const Exporter& FindExporter(const std::string& name);
/// The format whose extension `path` ends with, or null.
const Exporter* ExporterForPath(const std::string& path);
/// The dense tensors of the float export (binary64 values; the writer rounds to the dtype):
/// input.center (d), input.scale (scalar), layer{i}.weight (out × in, every entry the exact
/// weight rounded once; repeated columns of a row are added first), layer{i}.bias. `path`
/// names the file in messages (a layer too large for a dense tensor is an error).
std::vector<FloatTensor> ExportTensors(const Network& net, const std::string& path);
/// Writes the network's float export to `path` atomically. The metadata JSON has the keys
/// activations, output, classification, class_values, construction, dtype, then the keys of
/// `extra_metadata` (the export check: docs/export-formats.md).
void ExportNetwork(const Network& net, const Exporter& format, ExportDtype dtype,
                   const std::string& path,
                   const nlohmann::ordered_json& extra_metadata = nlohmann::ordered_json::object());

/// A NumPy array read from .npy: shape and values (as doubles; integer dtypes exactly).
struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<double> data;
  bool integer = false;  ///< integer dtype (labels)
  std::string dtype;
};
NpyArray ReadNpy(const std::string& path);
/// The same on the bytes of a .npy file; `path` names it in messages.
NpyArray ParseNpy(const std::string& raw, const std::string& path);
/// Where a .npy file's values are: shape, dtype ('<f8'), its code ("f8", "u1", ...), item
/// size, element count and the byte offset of the data.
struct NpyLayout {
  std::vector<int64_t> shape;
  std::string dtype, code;
  size_t item = 0;
  int64_t count = -1;  ///< -1: `head` did not hold the whole header (read data_offset bytes)
  size_t data_offset = 0;
  bool integer = false;
};
/// Parses the header at the start of `head` (the file's first bytes) of a file of `file_size`
/// bytes; checks the dtype and that the file holds every value.
NpyLayout ParseNpyLayout(const std::string& head, const std::string& path, int64_t file_size);
/// Converts `count` values of the layout's dtype at `p` to doubles (exactly; int64 beyond 2^53
/// is an error naming index `first + i`).
void NpyToDoubles(const NpyLayout& l, const char* p, int64_t count, int64_t first, double* out,
                  const std::string& path);
/// A C-order .npy of `bytes` bytes at `data` with the dtype `descr` ('<f8', '|u1', '<i8', '<U5').
std::string NpyRaw(const std::string& descr, const std::vector<int64_t>& shape, const void* data,
                   size_t bytes);
/// Writes a C-order float64 .npy (used by tests and exports).
std::string NpyBytes(const std::vector<int64_t>& shape, const std::vector<double>& data);

/// An IDX file (ubyte only, as MNIST-style datasets ship): shape and bytes.
struct IdxArray {
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;
};
/// Sees the bytes of an IDX array while they are read: the shape, the array's bytes and a range
/// [begin, end) of them that has just arrived; called in order, on a second thread, while the
/// reader inflates what follows (so a digest costs no time of its own). Must not throw.
using IdxObserver = std::function<void(const std::vector<int64_t>& shape, const uint8_t* data,
                                       int64_t begin, int64_t end)>;
/// Reads (and gunzips on the fly) straight into the array: one copy of the bytes in memory.
/// `observe`, when given, sees every byte in order before ReadIdx returns.
IdxArray ReadIdx(const std::string& path, const IdxObserver& observe = {});
/// The shape from an IDX header at the start of `raw` (data empty); `size` bounds the element
/// count (the file's size) so a corrupt header cannot overflow it.
IdxArray ParseIdxHeader(const std::string& raw, const std::string& path, int64_t size);
/// The same on the (gunzipped) bytes of an IDX file; `path` names it in messages.
IdxArray ParseIdx(const std::string& raw, const std::string& path);

}  // namespace mnemo
