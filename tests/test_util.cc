#include "tests/test_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "mnemo/exact.h"
#include "mnemo/network.h"

namespace mnemo::testing {
namespace {

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

}  // namespace

int64_t PeakKb(const std::vector<std::string>& args) {
  std::string cmd = "/usr/bin/time -f '%M' -o /dev/stdout " + Quote(MNEMO_BINARY);
  for (const std::string& a : args) cmd += " " + Quote(a);
  cmd += " 2>/dev/null | tail -1";
  FILE* p = popen(cmd.c_str(), "r");
  char line[256] = {0};
  if (!p) return 0;
  if (!fgets(line, sizeof(line), p)) line[0] = 0;
  pclose(p);
  return std::atoll(line);
}

CliResult RunCli(const std::vector<std::string>& args) {
  TempDir tmp;
  std::string cmd = Quote(MNEMO_BINARY);
  for (const auto& a : args) cmd += " " + Quote(a);
  cmd += " >" + Quote(tmp.Path("out")) + " 2>" + Quote(tmp.Path("err")) + " </dev/null";
  int status = std::system(cmd.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadText(tmp.Path("out"));
  r.err = ReadText(tmp.Path("err"));
  return r;
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "mnemo_test_XXXXXX").string();
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  char* made = mkdtemp(buf.data());
  dir_ = made ? made : "";
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

void WriteText(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary);
  out << contents;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int CountLines(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

std::optional<Network> BuildWith(const std::string& name, const Dataset& data,
                                 const ParamMap& params, uint64_t seed, Report* report,
                                 bool verify) {
  RunOptions run;
  run.seed = seed;
  run.verify = verify;
  RunResult r = RunConstruction(name, params, data, run);
  *report = std::move(r.report);
  return std::move(r.network);
}

Network CancellingNetwork() {
  Network net;
  Integer big = Pow2(60);
  net.layers.push_back(MakeLayer(1, 2, {{0, 0, Rational(big)}, {1, 0, Rational(big)}},
                                 {Rational(1), Rational(0)}, Activation{Activation::kIdentity, {}}));
  net.layers.push_back(MakeLayer(2, 1, {{0, 0, Rational(1)}, {0, 1, Rational(-1)}},
                                 {Rational(-1)}, Activation{Activation::kIdentity, {}}));
  net.output = OutputKind::kValue;
  net.classification = true;
  net.class_values = {7};
  return net;
}

}  // namespace mnemo::testing
