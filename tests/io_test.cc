// Tests for mnemo/io.h: network JSON round trips byte-identically, the streamed writer writes
// what the JSON documents dumped, malformed files are placed errors, atomic writes (no file
// after a failed one), npy write/read, float exports.
#include "mnemo/io.h"

#include <sys/resource.h>

#include <csignal>
#include <cstring>
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mnemo/construction.h"
#include "mnemo/dataset.h"
#include "mnemo/error.h"
#include "tests/test_util.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

using testing::ErrorOf;

// A hand-made network with every feature the format carries.
Network RichNetwork() {
  Network net;
  net.input.center = {Rational(1, 3), Rational(-5, 2)};
  net.input.scale_log2 = -3;
  net.layers.push_back(MakeLayer(2, 3,
                                 {{0, 0, Rational(Pow2(100) + 1, 7)}, {1, 1, Rational(-3, 4)},
                                  {2, 0, Rational(1)}},
                                 {Rational(1, 2), Rational(0), Rational(-9)},
                                 Activation{Activation::kRelu, {}}));
  net.layers.push_back(MakeLayer(3, 2, {{0, 0, Rational(1)}, {1, 2, Rational(2)}},
                                 {Rational(0), Rational(1)}, ParseActivation("poly:1/2,0,-3")));
  net.output = OutputKind::kArgmax;
  net.class_values = {-4, 9};
  net.construction = "hand";
  net.options["width"] = "3";
  net.seed = 18446744073709551615ull;
  net.dataset = {"0123456789abcdef", 10, 2, 2};
  net.relays = 1;
  net.report["status"] = "success";
  net.report["note"] = "unicode δ ok";
  return net;
}

TEST(IoTest, NetworkJsonRoundTripsByteIdentically) {
  TempDir tmp;
  Network net = RichNetwork();
  std::string text = NetworkToJson(net);
  Network back = NetworkFromJson(text, "mem");
  EXPECT_EQ(NetworkToJson(back), text);
  EXPECT_EQ(back.input.center, net.input.center);
  EXPECT_EQ(back.input.scale_log2, -3);
  EXPECT_EQ(back.layers[0].weight, net.layers[0].weight);
  EXPECT_EQ(back.layers[0].denominator, net.layers[0].denominator);
  EXPECT_EQ(back.layers[1].activation, net.layers[1].activation);
  EXPECT_EQ(back.output, OutputKind::kArgmax);
  EXPECT_EQ(back.class_values, net.class_values);
  EXPECT_EQ(back.seed, net.seed);
  EXPECT_EQ(back.relays, 1);
  EXPECT_EQ(back.dataset.hash, "0123456789abcdef");
  EXPECT_EQ(back.report["note"], "unicode δ ok");
  // Through files: load → save is byte-identical.
  SaveNetwork(net, tmp.Path("a.json"));
  SaveNetwork(LoadNetwork(tmp.Path("a.json")), tmp.Path("b.json"));
  EXPECT_EQ(ReadFile(tmp.Path("a.json")), ReadFile(tmp.Path("b.json")));
  EXPECT_EQ(ReadFile(tmp.Path("a.json")), text);
}

TEST(IoTest, BuiltNetworkRoundTripsByteIdentically) {
  TempDir tmp;
  for (const char* spec : {"synthetic:sphere?n=300&d=5&classes=4",
                           "synthetic:ball?n=100&d=2&targets=real"}) {
    Dataset data = LoadDataset(spec);
    Report report;
    std::optional<Network> net = testing::BuildWith("zhang", data, {}, 3, &report);
    ASSERT_TRUE(net);
    SaveNetwork(*net, tmp.Path("a.json"));
    std::string first = ReadFile(tmp.Path("a.json"));
    SaveNetwork(LoadNetwork(tmp.Path("a.json")), tmp.Path("a.json"));
    EXPECT_EQ(ReadFile(tmp.Path("a.json")), first) << spec;
  }
}

// The layers as the writer before streaming wrote them: one nlohmann document per layer, dumped.
std::string LayersAsDocuments(const Network& net) {
  std::string out;
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const Layer& layer = net.layers[l];
    nlohmann::ordered_json j;
    j["inputs"] = layer.inputs;
    j["outputs"] = layer.outputs;
    j["activation"] = ToString(layer.activation);
    j["denominator"] = ToString(layer.denominator);
    j["row_ptr"] = layer.row_ptr;
    j["col"] = layer.col;
    nlohmann::ordered_json w = nlohmann::ordered_json::array(), b = w;
    for (const Integer& v : layer.weight) w.push_back(ToString(v));
    for (const Integer& v : layer.bias) b.push_back(ToString(v));
    j["weight"] = std::move(w);
    j["bias"] = std::move(b);
    out += (l ? ",\n    " : "\n    ") + j.dump();
  }
  return out + "\n  ]\n}\n";
}

// The streamed layers are byte for byte the documents' dump, in memory (NetworkToJson) and in
// the file (SaveNetwork), on hand-made layers (huge and negative numerators, a layer without
// weights, a poly activation) and on built networks.
TEST(IoTest, StreamedLayersAreWhatTheJsonDocumentsDumped) {
  TempDir tmp;
  std::vector<Network> nets = {RichNetwork()};
  Network odd = RichNetwork();
  odd.layers[0].denominator = Pow2(130) * 3;
  odd.layers[0].weight[1] = -(Pow2(200) + 12345);
  odd.layers[1] = MakeLayer(3, 2, {}, {Rational(-1, 3), Rational(0)},
                            ParseActivation("poly:-7/3,0,1"));
  nets.push_back(odd);
  for (const auto& [name, spec] :
       std::vector<std::pair<std::string, std::string>>{
           {"zhang", "synthetic:sphere?n=300&d=5&classes=4"},
           {"bitextract", "synthetic:ball?n=3000&d=8&classes=10"},
           {"zhang", "synthetic:ball?n=100&d=2&targets=real"}}) {
    Report report;
    std::optional<Network> net = testing::BuildWith(name, LoadDataset(spec), {}, 3, &report);
    ASSERT_TRUE(net) << spec;
    nets.push_back(std::move(*net));
  }
  for (size_t i = 0; i < nets.size(); ++i) {
    const std::string text = NetworkToJson(nets[i]);
    const size_t layers = text.find("  \"layers\": [");
    ASSERT_NE(layers, std::string::npos);
    EXPECT_EQ(text.substr(layers + 13), LayersAsDocuments(nets[i])) << "network " << i;
    SaveNetwork(nets[i], tmp.Path("n.json"));
    EXPECT_EQ(ReadFile(tmp.Path("n.json")), text) << "network " << i;
  }
}

// A write that fails halfway (the file size limit here) is an error naming the file, and
// leaves neither the file nor a temporary beside it.
TEST(IoTest, AFailedNetworkWriteLeavesNoFile) {
  TempDir tmp;
  Network net = RichNetwork();
  net.layers[0].weight.assign(net.layers[0].weight.size(), Pow2(1 << 20));  // ~1 MB of digits
  rlimit old{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  void (*old_handler)(int) = std::signal(SIGXFSZ, SIG_IGN);  // EFBIG instead of the signal
  rlimit small = old;
  small.rlim_cur = 100000;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  const std::string error = ErrorOf([&] { SaveNetwork(net, tmp.Path("n.json")); });
  setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_THAT(error, HasSubstr(tmp.Path("n.json") + ": write failed: File too large"));
  EXPECT_TRUE(std::filesystem::is_empty(tmp.dir()));
}

TEST(IoTest, MalformedNetworkFilesAreErrorsNamingThePlace) {
  std::string good = NetworkToJson(RichNetwork());
  auto broken = [&](const std::string& from, const std::string& to) {
    std::string t = good;
    size_t k = t.find(from);
    EXPECT_NE(k, std::string::npos) << from;
    return t.replace(k, from.size(), to);
  };
  EXPECT_THAT(ErrorOf([&] { NetworkFromJson(good.substr(0, good.size() / 2), "n.json"); }),
              HasSubstr("n.json: not valid JSON"));
  EXPECT_THAT(ErrorOf([&] { NetworkFromJson("{}", "n.json"); }),
              HasSubstr("n.json: not a mnemo network file"));
  EXPECT_THAT(ErrorOf([&] { NetworkFromJson(broken("\"version\": 1", "\"version\": 99"), "n.json"); }),
              HasSubstr("unsupported format version 99"));
  std::string w = ToString(RichNetwork().layers[0].weight[0]);
  EXPECT_THAT(ErrorOf([&] { NetworkFromJson(broken("\"" + w + "\"", "\"12q\""), "n.json"); }),
              HasSubstr("n.json: layers[0].weight[0]"));
  EXPECT_THAT(ErrorOf([&] { NetworkFromJson(broken("\"relu\"", "\"swish\""), "n.json"); }),
              HasSubstr("unknown activation \"swish\""));
  EXPECT_THAT(ErrorOf([&] { NetworkFromJson(broken("\"argmax\"", "\"soft\""), "n.json"); }),
              HasSubstr("n.json: output: must be \"value\", \"argmax\" or \"bits\", got \"soft\""));
  EXPECT_THAT(ErrorOf([&] { NetworkFromJson(broken("\"row_ptr\":[0,1,2,3]", "\"row_ptr\":[0,2,1,3]"), "n.json"); }),
              HasSubstr("n.json: layers[0].row_ptr[2]: 1 is smaller than the entry before it (2)"));
  EXPECT_THAT(ErrorOf([&] { NetworkFromJson(broken("\"col\":[0,1,0]", "\"col\":[0,5,0]"), "n.json"); }),
              HasSubstr("n.json: layers[0].col[1]: column 5 out of range (layer has 2 inputs)"));
  EXPECT_THAT(ErrorOf([&] { LoadNetwork("/nonexistent/net.json"); }),
              HasSubstr("/nonexistent/net.json: cannot open"));
}

TEST(IoTest, AtomicWriteReplacesWholeFilesAndLeavesNoTemporaries) {
  TempDir tmp;
  std::string path = tmp.Path("out.txt");
  WriteFileAtomic(path, "first version, longer");
  WriteFileAtomic(path, "second");
  EXPECT_EQ(ReadFile(path), "second");
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(tmp.dir())) ++files, (void)e;
  EXPECT_EQ(files, 1);
  EXPECT_THAT(ErrorOf([&] { WriteFileAtomic(tmp.Path("no/such/dir/x"), "x"); }),
              HasSubstr("no/such/dir/x: cannot write"));
  EXPECT_THAT(ErrorOf([&] { ReadFile(tmp.dir()); }), HasSubstr("is a directory"));
}

TEST(IoTest, NpyWriteReadRoundTrip) {
  TempDir tmp;
  std::vector<double> values = {0.1, -2.5, 1e-300, 3, 4, 5.5};
  for (const std::vector<int64_t>& shape : std::vector<std::vector<int64_t>>{{6}, {2, 3}, {3, 2}}) {
    testing::WriteText(tmp.Path("a.npy"), NpyBytes(shape, values));
    NpyArray a = ReadNpy(tmp.Path("a.npy"));
    EXPECT_EQ(a.shape, shape);
    EXPECT_EQ(a.data, values);
    EXPECT_EQ(a.dtype, "<f8");
    EXPECT_FALSE(a.integer);
  }
  std::string bytes = NpyBytes({2, 3}, values);
  EXPECT_EQ((bytes.size() - values.size() * 8) % 64, 0u) << "header padded to 64 bytes";
}

TEST(IoTest, NpyReadsIntegerAndFloat32Dtypes) {
  TempDir tmp;
  // Patch a float64 header into other dtypes with hand-written payloads.
  auto with = [&](const std::string& descr, const std::string& payload, int64_t n) {
    std::string h = NpyBytes({n}, std::vector<double>(size_t(n), 0.0));
    h.resize(h.size() - size_t(n) * 8);
    h.replace(h.find("<f8"), 3, descr);
    testing::WriteText(tmp.Path("t.npy"), h + payload);
    return ReadNpy(tmp.Path("t.npy"));
  };
  std::string u8 = {char(0), char(7), char(255)};
  NpyArray a = with("|u1", u8, 3);
  EXPECT_EQ(a.data, (std::vector<double>{0, 7, 255}));
  EXPECT_TRUE(a.integer);
  int32_t i4[2] = {-5, 100000};
  a = with("<i4", std::string(reinterpret_cast<char*>(i4), 8), 2);
  EXPECT_EQ(a.data, (std::vector<double>{-5, 100000}));
  float f4[2] = {0.5f, -1.25f};
  a = with("<f4", std::string(reinterpret_cast<char*>(f4), 8), 2);
  EXPECT_EQ(a.data, (std::vector<double>{0.5, -1.25}));
  int64_t i8[1] = {(int64_t(1) << 60)};
  EXPECT_THAT(ErrorOf([&] { with("<i8", std::string(reinterpret_cast<char*>(i8), 8), 1); }),
              HasSubstr("not exactly representable"));
}

TEST(IoTest, CorruptShapesThatOverflowTheElementCountAreTruncationErrors) {
  TempDir tmp;
  // (4, 2^62) has 2^64 elements: the count wraps to 0 unless it is checked against the file.
  std::string npy = NpyBytes({4, 1}, {0, 0, 0, 0});
  npy.replace(npy.find("(4, 1)"), 6, "(4, 4611686018427387904)");
  testing::WriteText(tmp.Path("big.npy"), npy);
  EXPECT_THAT(ErrorOf([&] { ReadNpy(tmp.Path("big.npy")); }), HasSubstr("big.npy: truncated data"));
  // IDX with four dimensions of 2^16: 2^64 bytes.
  std::string idx = {0, 0, 8, 4};
  for (int i = 0; i < 4; ++i) idx += std::string{0, 1, 0, 0};
  testing::WriteText(tmp.Path("big-images-idx3-ubyte"), idx + std::string(64, '\0'));
  EXPECT_THAT(ErrorOf([&] { ReadIdx(tmp.Path("big-images-idx3-ubyte")); }),
              HasSubstr("big-images-idx3-ubyte: truncated IDX data"));
}

TEST(IoTest, AnIdxObserverSeesEveryByteInOrderWhileTheFileIsRead) {
  // The Fashion-MNIST test images: 7.8 MB gunzipped, several pieces of the follower thread.
  const std::string images = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
  std::vector<uint8_t> seen;
  int calls = 0;
  IdxArray a = ReadIdx(images, [&](const std::vector<int64_t>& shape, const uint8_t* data,
                                   int64_t begin, int64_t end) {
    EXPECT_EQ(shape, (std::vector<int64_t>{10000, 28, 28}));
    EXPECT_EQ(begin, int64_t(seen.size()));
    seen.insert(seen.end(), data + begin, data + end);
    ++calls;
  });
  EXPECT_EQ(seen, a.data);
  EXPECT_GT(calls, 1);  // it followed the reading, piece by piece
  // A file cut short: the error, and the observer thread stops (no hang, no crash).
  TempDir tmp;
  std::string gz = ReadFile(images);
  testing::WriteText(tmp.Path("cut-images-idx3-ubyte.gz"), gz.substr(0, gz.size() / 2));
  int64_t last = 0;
  EXPECT_THAT(ErrorOf([&] {
                ReadIdx(tmp.Path("cut-images-idx3-ubyte.gz"),
                        [&](const std::vector<int64_t>&, const uint8_t*, int64_t, int64_t end) {
                          last = end;
                        });
              }),
              HasSubstr("truncated"));
  EXPECT_LT(last, 10000 * 784);
}

TEST(IoTest, ReadMaybeGzipPassesPlainFilesThrough) {
  TempDir tmp;
  testing::WriteText(tmp.Path("p.txt"), "plain\n");
  EXPECT_EQ(ReadMaybeGzip(tmp.Path("p.txt")), "plain\n");
  std::string gz = ReadFile("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
  testing::WriteText(tmp.Path("l.gz"), gz);
  std::string raw = ReadMaybeGzip(tmp.Path("l.gz"));
  EXPECT_EQ(raw.size(), 8u + 10000u);
  testing::WriteText(tmp.Path("l.gz"), gz.substr(0, gz.size() - 9));
  EXPECT_THAT(ErrorOf([&] { ReadMaybeGzip(tmp.Path("l.gz")); }), HasSubstr("truncated gzip"));
}

TEST(IoTest, ExportsCarryEveryLayerAsDenseFloatTensors) {
  TempDir tmp;
  Network net = RichNetwork();
  ExportNetwork(net, FindExporter("safetensors"), ExportDtype::kFloat64, tmp.Path("n.safetensors"));
  std::string st = ReadFile(tmp.Path("n.safetensors"));
  uint64_t len = 0;
  std::memcpy(&len, st.data(), 8);
  ASSERT_LT(8 + len, st.size());
  EXPECT_EQ(len % 8, 0u);
  nlohmann::json header = nlohmann::json::parse(st.substr(8, len));
  EXPECT_EQ(header["layer0.weight"]["shape"], nlohmann::json::array({3, 2}));
  EXPECT_EQ(header["layer0.weight"]["dtype"], "F64");
  EXPECT_EQ(header["input.scale"]["shape"], nlohmann::json::array());
  // The scale tensor holds 2^3.
  auto offsets = header["input.scale"]["data_offsets"];
  double scale;
  std::memcpy(&scale, st.data() + 8 + len + offsets[0].get<size_t>(), 8);
  EXPECT_EQ(scale, 8.0);
  nlohmann::json meta = nlohmann::json::parse(header["__metadata__"]["mnemo"].get<std::string>());
  EXPECT_EQ(meta["activations"], nlohmann::json::array({"relu", "poly:1/2,0,-3"}));
  EXPECT_EQ(meta["output"], "argmax");
  EXPECT_EQ(meta["class_values"], nlohmann::json::array({-4, 9}));
  size_t end = 0;
  for (auto& [k, v] : header.items())
    if (k != "__metadata__") end = std::max(end, v["data_offsets"][1].get<size_t>());
  EXPECT_EQ(8 + len + end, st.size());

  ExportNetwork(net, FindExporter("npz"), ExportDtype::kFloat32, tmp.Path("n.npz"));
  std::string npz = ReadFile(tmp.Path("n.npz"));
  EXPECT_EQ(npz.substr(0, 4), std::string("PK\x03\x04", 4));
  EXPECT_NE(npz.find("layer1.bias.npy"), std::string::npos);
  EXPECT_NE(npz.find("'descr': '<f4'"), std::string::npos);
  // Deterministic bytes.
  ExportNetwork(net, FindExporter("npz"), ExportDtype::kFloat32, tmp.Path("m.npz"));
  EXPECT_EQ(ReadFile(tmp.Path("m.npz")), npz);
}

}  // namespace
}  // namespace mnemo
