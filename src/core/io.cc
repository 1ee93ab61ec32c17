#include "mnemo/io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "mnemo/error.h"
#include "mnemo/memory.h"
#include "mnemo/onnx_export.h"
#include "mnemo/options.h"
#include "src/internal/atomic_file.h"

namespace mnemo {
namespace {

using json = nlohmann::ordered_json;

// ---------------------------------------------------------------- files

const char* OutputName(OutputKind k) {
  switch (k) {
    case OutputKind::kValue: return "value";
    case OutputKind::kArgmax: return "argmax";
    case OutputKind::kBits: return "bits";
  }
  return "?";
}

std::string TempPathFor(const std::string& path) {
  std::random_device rd;
  return fmt::format("{}.tmp.{}.{:x}", path, getpid(), rd());
}

// ---------------------------------------------------------------- npy

std::string NpyHeader(const std::string& descr, const std::vector<int64_t>& shape) {
  std::string shape_str = "(";
  for (size_t i = 0; i < shape.size(); ++i) shape_str += fmt::format("{}, ", shape[i]);
  if (shape.size() > 1) shape_str.resize(shape_str.size() - 2);
  else if (shape.size() == 1) shape_str.resize(shape_str.size() - 1);
  shape_str += ")";
  std::string dict =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", descr, shape_str);
  size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  std::string out = "\x93NUMPY";
  out += char(1);
  out += char(0);
  uint16_t len = static_cast<uint16_t>(dict.size());
  out += char(len & 0xff);
  out += char(len >> 8);
  return out + dict;
}

template <typename T>
std::string NpyOf(const std::string& descr, const std::vector<int64_t>& shape,
                  const std::vector<T>& data) {
  std::string out = NpyHeader(descr, shape);
  out.append(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(T));
  return out;
}

std::string NpyUnicode(const std::string& text) {
  // '<U{n}' array of one element: UCS-4 little endian (ASCII only here).
  std::string out = NpyHeader(fmt::format("<U{}", std::max<size_t>(1, text.size())), {});
  for (unsigned char c : text) {
    out += char(c);
    out.append(3, '\0');
  }
  if (text.empty()) out.append(4, '\0');
  return out;
}

// ---------------------------------------------------------------- zip (stored) for npz

void Put16(std::string& s, uint16_t v) { s += char(v & 0xff); s += char(v >> 8); }
void Put32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s += char((v >> (8 * i)) & 0xff);
}

std::string ZipStored(const std::vector<std::pair<std::string, std::string>>& files) {
  std::string out, central;
  for (const auto& [name, data] : files) {
    MNEMO_CHECK(data.size() < 0xFFFFFFFFull, "npz member {} too large for zip32", name);
    uint32_t crc = crc32(0, reinterpret_cast<const Bytef*>(data.data()), data.size());
    uint32_t offset = static_cast<uint32_t>(out.size());
    std::string header;
    Put32(header, 0x04034b50); Put16(header, 20); Put16(header, 0); Put16(header, 0);
    Put16(header, 0); Put16(header, 0x21);  // time 0, date 1980-01-01 (deterministic)
    Put32(header, crc); Put32(header, uint32_t(data.size())); Put32(header, uint32_t(data.size()));
    Put16(header, uint16_t(name.size())); Put16(header, 0);
    out += header + name + data;
    Put32(central, 0x02014b50); Put16(central, 20); Put16(central, 20); Put16(central, 0);
    Put16(central, 0); Put16(central, 0); Put16(central, 0x21);
    Put32(central, crc); Put32(central, uint32_t(data.size())); Put32(central, uint32_t(data.size()));
    Put16(central, uint16_t(name.size())); Put16(central, 0); Put16(central, 0);
    Put16(central, 0); Put16(central, 0); Put32(central, 0); Put32(central, offset);
    central += name;
  }
  uint32_t central_offset = static_cast<uint32_t>(out.size());
  out += central;
  Put32(out, 0x06054b50); Put16(out, 0); Put16(out, 0);
  Put16(out, uint16_t(files.size())); Put16(out, uint16_t(files.size()));
  Put32(out, uint32_t(central.size())); Put32(out, central_offset); Put16(out, 0);
  return out;
}

}  // namespace

// ---------------------------------------------------------------- files

namespace internal {

constexpr size_t kAtomicFileBuffer = size_t(1) << 20;

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)), tmp_(TempPathFor(path_)) {
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd_ < 0) Fail("{}: cannot write: {}", path_, std::strerror(errno));
  buffer_.reserve(kAtomicFileBuffer);
}

AtomicFile::~AtomicFile() { Abandon(); }

// Closes and removes the temporary file (nothing to do after Commit()).
void AtomicFile::Abandon() {
  if (fd_ < 0) return;
  ::close(fd_);
  ::unlink(tmp_.c_str());
  fd_ = -1;
}

void AtomicFile::Write(std::string_view text) {
  if (buffer_.size() + text.size() <= kAtomicFileBuffer) {
    buffer_.append(text);
    return;
  }
  Flush();
  if (text.size() < kAtomicFileBuffer)
    buffer_.append(text);
  else
    WriteAll(text);  // a large piece goes out as it is, not through the buffer
}

void AtomicFile::Flush() {
  WriteAll(buffer_);
  buffer_.clear();
}

void AtomicFile::WriteAll(std::string_view text) {
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      Abandon();
      Fail("{}: write failed: {}", path_, std::strerror(err));
    }
    p += n;
    left -= size_t(n);
  }
}

void AtomicFile::Commit() {
  Flush();
  const int fd = fd_;
  fd_ = -1;
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp_.c_str());
    Fail("{}: write failed: {}", path_, std::strerror(err));
  }
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp_.c_str());
    Fail("{}: cannot rename into place: {}", path_, std::strerror(err));
  }
}

}  // namespace internal

void WriteFileAtomic(const std::string& path, const std::string& contents) {
  internal::AtomicFile file(path);
  file.Write(contents);
  file.Commit();
}

std::string ReadFile(const std::string& path) {
  FileReader in(path, /*gunzip=*/false);
  std::string out(size_t(in.file_size()), '\0');
  size_t got = in.Read(out.data(), out.size());
  out.resize(got);
  char more[1 << 12];
  while (size_t n = in.Read(more, sizeof(more))) out.append(more, n);  // a file still growing
  return out;
}

std::string ReadMaybeGzip(const std::string& path) {
  FileReader in(path);
  std::string out;
  size_t len = 0;
  out.resize(in.gzip() ? size_t(std::max<int64_t>(1 << 16, 3 * in.file_size())) : size_t(in.file_size()) + 1);
  while (size_t n = in.Read(out.data() + len, out.size() - len)) {
    len += n;
    if (len == out.size()) out.resize(out.size() * 2);
  }
  out.resize(len);
  return out;
}

// ---------------------------------------------------------------- FileReader

struct FileReader::ZState {
  z_stream zs{};
};

FileReader::FileReader(const std::string& path, bool gunzip) : path_(path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) Fail("{}: is a directory", path);
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) Fail("{}: cannot open: {}", path, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) file_size_ = int64_t(st.st_size);
  in_.resize(1 << 20);
  in_len_ = ReadRaw(in_.data(), 2);
  gzip_ = gunzip && in_len_ == 2 && uint8_t(in_[0]) == 0x1f && uint8_t(in_[1]) == 0x8b;
  if (!gzip_) return;
  z_ = new ZState;
  if (inflateInit2(&z_->zs, 16 + MAX_WBITS) != Z_OK) Fail("{}: zlib init failed", path);
}

FileReader::~FileReader() {
  if (z_) inflateEnd(&z_->zs);
  delete z_;
  if (fd_ >= 0) ::close(fd_);
}

void FileReader::Finish() {
  if (!gzip_) return;
  std::vector<char> sink(1 << 16);
  while (Read(sink.data(), sink.size()) > 0) {
  }
}

size_t FileReader::ReadRaw(char* out, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd_, out + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      Fail("{}: read error: {}", path_, std::strerror(errno));
    }
    if (r == 0) break;
    got += size_t(r);
  }
  return got;
}

size_t FileReader::Read(char* out, size_t n) {
  if (gzip_) return Inflate(out, n);
  size_t got = 0;
  if (in_pos_ < in_len_) {  // the peeked bytes first
    got = std::min(n, in_len_ - in_pos_);
    std::memcpy(out, in_.data() + in_pos_, got);
    in_pos_ += got;
  }
  return got + ReadRaw(out + got, n - got);
}

size_t FileReader::Inflate(char* out, size_t n) {
  z_stream& zs = z_->zs;
  zs.next_out = reinterpret_cast<Bytef*>(out);
  zs.avail_out = uInt(std::min<size_t>(n, 1u << 30));
  const size_t want = zs.avail_out;
  while (!done_ && zs.avail_out > 0) {
    if (in_pos_ == in_len_) {
      in_len_ = ReadRaw(in_.data(), in_.size());
      in_pos_ = 0;
    }
    zs.next_in = reinterpret_cast<Bytef*>(in_.data() + in_pos_);
    zs.avail_in = uInt(in_len_ - in_pos_);
    const bool eof = in_len_ == 0;
    int ret = inflate(&zs, Z_NO_FLUSH);
    in_pos_ = in_len_ - zs.avail_in;
    if (ret == Z_DATA_ERROR || ret == Z_MEM_ERROR || ret == Z_NEED_DICT)
      Fail("{}: corrupt gzip data at byte {}", path_, zs.total_in);
    if (ret == Z_STREAM_END) done_ = true;
    else if (eof && (ret == Z_BUF_ERROR || zs.avail_out > 0))
      Fail("{}: truncated gzip file ({} compressed bytes)", path_, file_size_);
  }
  return want - zs.avail_out;
}

std::string GunzipIfNeeded(std::string raw, const std::string& path) {
  if (raw.size() < 2 || uint8_t(raw[0]) != 0x1f || uint8_t(raw[1]) != 0x8b) return raw;
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) Fail("{}: zlib init failed", path);
  zs.next_in = reinterpret_cast<Bytef*>(raw.data());
  zs.avail_in = static_cast<uInt>(raw.size());
  std::string out;
  char buffer[1 << 16];
  int ret;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buffer);
    zs.avail_out = sizeof(buffer);
    ret = inflate(&zs, Z_NO_FLUSH);
    if (ret == Z_DATA_ERROR || ret == Z_MEM_ERROR || ret == Z_NEED_DICT) {
      inflateEnd(&zs);
      Fail("{}: corrupt gzip data at byte {}", path, zs.total_in);
    }
    out.append(buffer, sizeof(buffer) - zs.avail_out);
    if (ret == Z_BUF_ERROR || (ret == Z_OK && zs.avail_in == 0 && zs.avail_out != 0)) {
      inflateEnd(&zs);
      Fail("{}: truncated gzip file ({} compressed bytes)", path, raw.size());
    }
  } while (ret != Z_STREAM_END);
  inflateEnd(&zs);
  return out;
}

// ---------------------------------------------------------------- float export

// The dense float tensors of a network (what every exporter writes).
std::vector<FloatTensor> ExportTensors(const Network& net, const std::string& path) {
  std::vector<FloatTensor> tensors;
  const int64_t d = net.input_dim();
  FloatTensor center{"input.center", {d}, std::vector<double>(d, 0.0)};
  for (int64_t i = 0; i < int64_t(net.input.center.size()); ++i)
    center.values[i] = ToDouble(net.input.center[i]);
  tensors.push_back(std::move(center));
  tensors.push_back({"input.scale", {}, {std::ldexp(1.0, -net.input.scale_log2)}});
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const Layer& layer = net.layers[l];
    if (int64_t(layer.outputs) * layer.inputs > (int64_t(1) << 31))
      Fail("{}: layer {} is {}x{}: too large for a dense float export", path, l, layer.outputs,
           layer.inputs);
    FloatTensor w{fmt::format("layer{}.weight", l), {layer.outputs, layer.inputs},
                  std::vector<double>(size_t(layer.outputs) * layer.inputs, 0.0)};
    FloatTensor b{fmt::format("layer{}.bias", l), {layer.outputs},
                  std::vector<double>(layer.outputs)};
    for (int32_t j = 0; j < layer.outputs; ++j) {
      // A row may repeat a column (the terms add): add them exactly, then round once.
      std::map<int32_t, Rational> row;
      for (int64_t k = layer.row_ptr[j]; k < layer.row_ptr[j + 1]; ++k)
        row[layer.col[k]] += layer.Weight(k);
      for (const auto& [c, v] : row) w.values[size_t(j) * layer.inputs + c] = ToDouble(v);
      b.values[j] = ToDouble(layer.Bias(j));
    }
    tensors.push_back(std::move(w));
    tensors.push_back(std::move(b));
  }
  return tensors;
}

namespace {

std::string Metadata(const Network& net, ExportDtype dtype, const json& extra) {
  json meta;
  json acts = json::array();
  for (const Layer& layer : net.layers) acts.push_back(ToString(layer.activation));
  meta["activations"] = acts;
  meta["output"] = OutputName(net.output);
  meta["classification"] = net.classification;
  meta["class_values"] = net.class_values;
  if (!net.class_names.empty()) meta["class_names"] = net.class_names;
  meta["construction"] = net.construction;
  meta["dtype"] = dtype == ExportDtype::kFloat32 ? "float32" : "float64";
  for (const auto& [key, value] : extra.items()) meta[key] = value;
  return meta.dump();
}

// Little-endian bytes of a tensor in the export dtype.
std::string TensorBytes(const FloatTensor& t, ExportDtype dtype) {
  if (dtype == ExportDtype::kFloat32) {
    std::vector<float> v(t.values.begin(), t.values.end());
    return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
  }
  return std::string(reinterpret_cast<const char*>(t.values.data()),
                     t.values.size() * sizeof(double));
}

// npz: a stored (uncompressed) zip of one .npy per tensor plus metadata.npy (a unicode scalar).
std::string WriteNpz(const std::vector<FloatTensor>& tensors, const std::string& metadata,
                     ExportDtype dtype) {
  const bool f32 = dtype == ExportDtype::kFloat32;
  std::vector<std::pair<std::string, std::string>> files;
  for (const FloatTensor& t : tensors)
    files.emplace_back(t.name + ".npy", NpyHeader(f32 ? "<f4" : "<f8", t.shape) + TensorBytes(t, dtype));
  files.emplace_back("metadata.npy", NpyUnicode(metadata));
  return ZipStored(files);
}

// safetensors: u64 header length, JSON header (padded to 8 bytes), raw little-endian data.
std::string WriteSafetensors(const std::vector<FloatTensor>& tensors, const std::string& metadata,
                             ExportDtype dtype) {
  json header;
  std::string data;
  for (const FloatTensor& t : tensors) {
    std::string bytes = TensorBytes(t, dtype);
    json entry;
    entry["dtype"] = dtype == ExportDtype::kFloat32 ? "F32" : "F64";
    entry["shape"] = t.shape;
    entry["data_offsets"] = {data.size(), data.size() + bytes.size()};
    header[t.name] = entry;
    data += bytes;
  }
  header["__metadata__"] = {{"mnemo", metadata}};
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');
  std::string out;
  uint64_t len = h.size();
  for (int i = 0; i < 8; ++i) out += char((len >> (8 * i)) & 0xff);
  return out + h + data;
}

}  // namespace

const std::vector<Exporter>& Exporters() {
  static const std::vector<Exporter> exporters = {
      {"safetensors", ".safetensors", "safetensors (PyTorch, JAX, NumPy via safetensors)",
       &WriteSafetensors},
      {"npz", ".npz", "NumPy npz: numpy.load(FILE), one array per tensor", &WriteNpz},
      {"onnx", ".onnx", "ONNX graph: input map, layers, activations, labels", &WriteOnnx},
  };
  return exporters;
}

const Exporter& FindExporter(const std::string& name) {
  std::vector<std::string> names;
  for (const Exporter& e : Exporters()) {
    if (e.name == name) return e;
    names.push_back(e.name);
  }
  const std::string nearest = NearestName(name, names);
  std::string known;
  for (const std::string& n : names) known += (known.empty() ? "" : ", ") + n;
  Fail("--format: unknown export format \"{}\"{} (known: {})", name,
       nearest.empty() ? "" : fmt::format(", did you mean {}?", nearest), known);
}

const Exporter* ExporterForPath(const std::string& path) {
  for (const Exporter& e : Exporters())
    if (path.size() > e.extension.size() &&
        path.compare(path.size() - e.extension.size(), e.extension.size(), e.extension) == 0)
      return &e;
  return nullptr;
}

ExportDtype ParseExportDtype(const std::string& name) {
  if (name == "float64") return ExportDtype::kFloat64;
  if (name == "float32") return ExportDtype::kFloat32;
  Fail("--dtype: expected float64 or float32, got \"{}\"", name);
}

void ExportNetwork(const Network& net, const Exporter& format, ExportDtype dtype,
                   const std::string& path, const nlohmann::ordered_json& extra_metadata) {
  WriteFileAtomic(path, format.write(ExportTensors(net, path),
                                     Metadata(net, dtype, extra_metadata), dtype));
}

// ---------------------------------------------------------------- npy reader

std::string NpyRaw(const std::string& descr, const std::vector<int64_t>& shape, const void* data,
                   size_t bytes) {
  std::string out = NpyHeader(descr, shape);
  out.append(static_cast<const char*>(data), bytes);
  return out;
}

std::string NpyBytes(const std::vector<int64_t>& shape, const std::vector<double>& data) {
  return NpyOf("<f8", shape, data);
}

NpyArray ReadNpy(const std::string& path) { return ParseNpy(ReadFile(path), path); }

NpyLayout ParseNpyLayout(const std::string& raw, const std::string& path, int64_t file_size) {
  if (raw.size() < 10 || raw.compare(0, 6, "\x93NUMPY") != 0)
    Fail("{}: not a .npy file (bad magic)", path);
  int major = uint8_t(raw[6]);
  size_t header_len, offset;
  if (major == 1) {
    header_len = uint8_t(raw[8]) | (size_t(uint8_t(raw[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (raw.size() < 12) Fail("{}: truncated .npy header", path);
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= size_t(uint8_t(raw[8 + i])) << (8 * i);
    offset = 12;
  } else {
    Fail("{}: unsupported .npy version {}", path, major);
  }
  NpyLayout l;
  l.data_offset = offset + header_len;
  if (raw.size() < l.data_offset) {
    if (header_len > (size_t(1) << 24) || int64_t(l.data_offset) > file_size)
      Fail("{}: truncated .npy header", path);
    return l;  // count = -1: the caller reads data_offset bytes and asks again
  }
  std::string header = raw.substr(offset, header_len);
  auto field = [&](const std::string& key) -> std::string {
    size_t k = header.find("'" + key + "'");
    if (k == std::string::npos) Fail("{}: .npy header has no '{}'", path, key);
    size_t colon = header.find(':', k);
    size_t start = colon == std::string::npos ? colon : header.find_first_not_of(' ', colon + 1);
    if (start == std::string::npos) Fail("{}: malformed .npy header at '{}'", path, key);
    char open = header[start];
    if (open == '\'' || open == '(') {
      size_t end = header.find(open == '(' ? ')' : '\'', start + 1);
      if (end == std::string::npos) Fail("{}: malformed .npy header at '{}'", path, key);
      return header.substr(start + 1, end - start - 1);
    }
    size_t end = header.find_first_of(",}", start);
    return header.substr(start, end == std::string::npos ? std::string::npos : end - start);
  };
  // Field text is echoed in messages, which are one line: control bytes are shown as \xNN
  // (a well-formed header has none inside its values).
  auto field_text = [&](const std::string& key) {
    std::string out;
    for (char c : field(key)) {
      if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out += c;
      else out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    }
    return out;
  };
  l.dtype = field_text("descr");
  if (field("fortran_order").find("True") != std::string::npos)
    Fail("{}: Fortran-order arrays are not supported (save with np.ascontiguousarray)", path);
  std::string shape = field_text("shape");
  int64_t count = 1;
  size_t pos = 0;
  while (pos < shape.size()) {
    size_t next = shape.find(',', pos);
    std::string part = shape.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    part.erase(0, part.find_first_not_of(' '));
    part.erase(part.find_last_not_of(' ') + 1);
    if (!part.empty()) {
      char* end = nullptr;
      long long v = std::strtoll(part.c_str(), &end, 10);
      if (*end != '\0' || v < 0) Fail("{}: bad shape in .npy header: ({})", path, shape);
      l.shape.push_back(v);
      // A corrupt shape must not overflow the element count (no array exceeds the file).
      if (v > 0 && count > file_size / v)
        Fail("{}: truncated data: header shape ({}) is larger than the file ({} bytes)", path,
             shape, file_size);
      count *= v;
    }
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  const std::string& t = l.dtype;
  char order = t.empty() ? '?' : t[0];
  l.code = t.size() > 1 ? t.substr(1) : "";
  const std::string& code = l.code;
  if (order != '<' && order != '|' && order != '=' && order != '>')
    Fail("{}: unsupported dtype '{}' (use float64, float32, int or uint8)", path, t);
  if (order == '>' && code != "u1" && code != "i1" && code != "b1")
    Fail("{}: big-endian dtype {} is not supported", path, t);
  if (code == "f8" || code == "i8" || code == "u8") l.item = 8;
  else if (code == "f4" || code == "i4" || code == "u4") l.item = 4;
  else if (code == "i2" || code == "u2") l.item = 2;
  else if (code == "i1" || code == "u1" || code == "b1") l.item = 1;
  else Fail("{}: unsupported dtype '{}' (use float64, float32, int or uint8)", path, t);
  size_t need = size_t(count) * l.item;
  if (size_t(file_size) - l.data_offset < need)
    Fail("{}: truncated data: header promises {} values ({} bytes), file has {} bytes", path,
         count, need, size_t(file_size) - l.data_offset);
  l.count = count;
  l.integer = code[0] != 'f';
  return l;
}

void NpyToDoubles(const NpyLayout& l, const char* p, int64_t count, int64_t first, double* out,
                  const std::string& path) {
  const std::string& code = l.code;
  const size_t item = l.item;
  for (int64_t i = 0; i < count; ++i, p += item) {
    double v = 0;
    if (code == "f8") { double x; std::memcpy(&x, p, 8); v = x; }
    else if (code == "f4") { float x; std::memcpy(&x, p, 4); v = x; }
    else if (code == "i8") {
      int64_t x; std::memcpy(&x, p, 8);
      if (x > (int64_t(1) << 53) || x < -(int64_t(1) << 53))
        Fail("{}: value {} at index {} is not exactly representable", path, x, first + i);
      v = double(x);
    } else if (code == "u8") {
      uint64_t x; std::memcpy(&x, p, 8);
      if (x > (uint64_t(1) << 53)) Fail("{}: value {} at index {} is too large", path, x, first + i);
      v = double(x);
    }
    else if (code == "i4") { int32_t x; std::memcpy(&x, p, 4); v = x; }
    else if (code == "u4") { uint32_t x; std::memcpy(&x, p, 4); v = x; }
    else if (code == "i2") { int16_t x; std::memcpy(&x, p, 2); v = x; }
    else if (code == "u2") { uint16_t x; std::memcpy(&x, p, 2); v = x; }
    else if (code == "i1") { v = int8_t(*p); }
    else { v = uint8_t(*p); }
    out[i] = v;
  }
}

NpyArray ParseNpy(const std::string& raw, const std::string& path) {
  NpyLayout l = ParseNpyLayout(raw, path, int64_t(raw.size()));
  if (l.count < 0) Fail("{}: truncated .npy header", path);
  NpyArray a;
  a.shape = l.shape;
  a.dtype = l.dtype;
  a.integer = l.integer;
  a.data.resize(size_t(l.count));
  NpyToDoubles(l, raw.data() + l.data_offset, l.count, 0, a.data.data(), path);
  return a;
}

// ---------------------------------------------------------------- idx reader

namespace {

// Runs an IdxObserver on a second thread over the bytes the reader has published so far, so the
// observer works behind the inflating. Finish() waits until it has seen every published byte;
// destroying it unfinished (the read failed) stops it at once.
class IdxFollower {
 public:
  IdxFollower(const IdxObserver& observe, const std::vector<int64_t>& shape, const uint8_t* data)
      : observe_(observe), shape_(shape), data_(data), thread_([this] { Run(); }) {}
  ~IdxFollower() {
    if (!thread_.joinable()) return;
    Close(/*abort=*/true);
    thread_.join();
  }
  void Publish(int64_t ready) {
    std::lock_guard<std::mutex> lock(mutex_);
    ready_ = ready;
    changed_.notify_one();
  }
  void Finish() {
    Close(/*abort=*/false);
    thread_.join();
  }

 private:
  void Close(bool abort) {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    abort_ = abort;
    changed_.notify_one();
  }
  void Run() {
    int64_t done = 0;
    for (;;) {
      int64_t ready;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return ready_ != done || closed_; });
        if (abort_ || (closed_ && ready_ == done)) return;
        ready = ready_;
      }
      observe_(shape_, data_, done, ready);
      done = ready;
    }
  }

  const IdxObserver& observe_;
  const std::vector<int64_t>& shape_;
  const uint8_t* data_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int64_t ready_ = 0;
  bool closed_ = false, abort_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace

IdxArray ReadIdx(const std::string& path, const IdxObserver& observe) {
  FileReader in(path);
  std::string head(4, '\0');
  head.resize(in.Read(head.data(), 4));
  if (head.size() == 4 && head[0] == 0 && head[1] == 0 && uint8_t(head[2]) == 0x08) {
    const size_t dims = uint8_t(head[3]);
    head.resize(4 + 4 * dims);
    head.resize(4 + in.Read(head.data() + 4, 4 * dims));
  }
  // The header alone (ParseIdx checks it and says what is wrong), then the bytes, read
  // straight into place in pieces that grow with what the file really holds.
  IdxArray a = ParseIdxHeader(head, path, in.gzip() ? INT64_MAX / 2 : in.file_size());
  int64_t count = 1;
  for (int64_t v : a.shape) count *= v;
  // A count the file can hold (plain: checked against its size; gzip: deflate expands at most
  // 1032:1) is refused up front when it will not fit; a larger one is a truncated file below.
  const bool plausible = !in.gzip() || count / 1032 <= in.file_size();
  if (plausible)
    CheckMemory(count, path, fmt::format("{} bytes of IDX values", count),
                "use a smaller file (IDX is read whole)");
  int64_t got = 0;
  // First piece: what the file plausibly holds (gzip: 4× its size), so a whole file is
  // usually one allocation with no copy.
  const int64_t first = std::max<int64_t>(int64_t(1) << 24, 4 * in.file_size());
  a.data.resize(size_t(std::min(count, first)));
  // An observer follows the reading when the buffer will not move (one allocation), else it
  // sees the bytes at the end.
  std::optional<IdxFollower> follower;
  if (observe && int64_t(a.data.size()) == count) follower.emplace(observe, a.shape, a.data.data());
  constexpr int64_t kPiece = int64_t(1) << 22;
  while (got < count) {
    if (got == int64_t(a.data.size())) a.data.resize(size_t(std::min(count, 2 * got)));
    const int64_t want = std::min<int64_t>(int64_t(a.data.size()) - got, follower ? kPiece : count);
    size_t n = in.Read(reinterpret_cast<char*>(a.data.data()) + got, size_t(want));
    got += int64_t(n);
    if (n == 0) break;
    if (follower) follower->Publish(got);
  }
  if (got < count)
    Fail("{}: truncated IDX data: header promises {} bytes, file has {}", path, count, got);
  in.Finish();  // a gzip file's trailer (its CRC) is checked at its end
  if (follower) follower->Finish();
  else if (observe) observe(a.shape, a.data.data(), 0, count);
  return a;
}

IdxArray ParseIdxHeader(const std::string& raw, const std::string& path, int64_t size) {
  if (raw.size() < 4 || raw[0] != 0 || raw[1] != 0)
    Fail("{}: not an IDX file (bad magic)", path);
  if (uint8_t(raw[2]) != 0x08)
    Fail("{}: IDX element type 0x{:02x} not supported (only unsigned bytes)", path, uint8_t(raw[2]));
  int dims = uint8_t(raw[3]);
  if (dims < 1 || raw.size() < 4 + 4 * size_t(dims)) Fail("{}: truncated IDX header", path);
  IdxArray a;
  int64_t count = 1;
  for (int i = 0; i < dims; ++i) {
    const auto* p = reinterpret_cast<const uint8_t*>(raw.data()) + 4 + 4 * i;
    int64_t v = (int64_t(p[0]) << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
    a.shape.push_back(v);
    if (v > 0 && count > size / v)  // a corrupt header must not overflow
      Fail("{}: truncated IDX data: header promises more bytes than the file's {}", path, size);
    count *= v;
  }
  return a;
}

IdxArray ParseIdx(const std::string& raw, const std::string& path) {
  IdxArray a = ParseIdxHeader(raw, path, int64_t(raw.size()));
  int64_t count = 1;
  for (int64_t v : a.shape) count *= v;
  size_t offset = 4 + 4 * a.shape.size();
  if (raw.size() - offset < size_t(count))
    Fail("{}: truncated IDX data: header promises {} bytes, file has {}", path, count,
         raw.size() - offset);
  a.data.assign(raw.begin() + offset, raw.begin() + offset + count);
  return a;
}

}  // namespace mnemo
