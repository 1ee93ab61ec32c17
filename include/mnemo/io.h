// Files. Network JSON is the exact format: format version, weights as integer/rational strings,
// input map, label map, construction, options, seed, dataset fingerprint, statistics; load →
// save round-trips byte-identically. Float exports (a table of formats: safetensors, npz) carry
// float64 (or float32) layers that a few lines of NumPy can run. All writes are atomic
// (temporary file + rename): a failed run leaves no partial file. Readers for the dataset
// formats live here too.
#pragma once

#include <cstdint>
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

/// The network format (docs/network-format.md, JSON Schema docs/network-format.schema.json).
/// Readers accept every version from 1 to this one.
inline constexpr int kNetworkFormatVersion = 1;
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
/// Writes a C-order float64 .npy (used by tests and exports).
std::string NpyBytes(const std::vector<int64_t>& shape, const std::vector<double>& data);

/// An IDX file (ubyte only, as MNIST-style datasets ship): shape and bytes.
struct IdxArray {
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;
};
IdxArray ReadIdx(const std::string& path);
/// The same on the (gunzipped) bytes of an IDX file; `path` names it in messages.
IdxArray ParseIdx(const std::string& raw, const std::string& path);

}  // namespace mnemo
