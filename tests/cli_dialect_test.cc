// The CLI dialect, through the binary, for every command `mnemo --help` lists: help texts fit
// 100 columns and show every option's default; errors (parser errors included) are one line
// `mnemo: error: ...` with exit 2; unknown commands get the nearest one; `-o` is checked before
// any work; tables fit 100 columns with text cells aligned under their headers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "tests/test_util.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::CliResult;
using testing::RunCli;
using testing::TempDir;

size_t Columns(const std::string& line) {
  size_t n = 0;
  for (unsigned char c : line) n += (c & 0xC0) != 0x80;
  return n;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

void ExpectFits(const std::string& text, const std::string& what) {
  for (const std::string& line : Lines(text))
    EXPECT_LE(Columns(line), 100u) << what << ": " << line;
}

// The commands `mnemo --help` lists.
std::vector<std::string> Commands() {
  std::vector<std::string> names;
  bool in_list = false;
  for (const std::string& line : Lines(RunCli({"--help"}).out)) {
    if (line == "Subcommands:") {
      in_list = true;
    } else if (in_list && line.rfind("  ", 0) == 0 && line[2] != ' ') {
      names.push_back(line.substr(2, line.find(' ', 2) - 2));
    } else if (in_list && line.empty()) {
      break;
    }
  }
  return names;
}

// One line "mnemo: error: ..." on stderr, nothing else, exit 2.
void ExpectOneLineError(const std::vector<std::string>& args, const std::string& message) {
  CliResult r = RunCli(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  const std::vector<std::string> lines = Lines(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_THAT(lines[0], StartsWith("mnemo: error: "));
  EXPECT_THAT(lines[0], HasSubstr(message));
  EXPECT_EQ(r.out, "");
}

TEST(CliDialectTest, EveryHelpFitsAndShowsDefaults) {
  const std::vector<std::string> commands = Commands();
  ASSERT_GE(commands.size(), 10u);
  ExpectFits(RunCli({"--help"}).out, "mnemo --help");
  for (const std::string& command : commands) {
    CliResult r = RunCli({command, "--help"});
    ASSERT_EQ(r.exit_code, 0) << command;
    ExpectFits(r.out, command + " --help");
    EXPECT_EQ(RunCli({"help", command}).out, r.out) << command;
    // Every option that takes a value says its default or that it is required; flags are off.
    bool options = false;
    for (const std::string& line : Lines(r.out)) {
      if (line == "Options:" || line == "Positionals:") options = true;
      if (!options || line.rfind("  -", 0) != 0 || line.find("--help") != std::string::npos)
        continue;
      const std::string flag = line.substr(2, line.find(' ', 2) - 2);
      const size_t value = line.find(' ', 2);
      if (value == std::string::npos || value >= 28 || line[value + 1] == ' ') continue;  // a flag
      const std::string block = r.out.substr(r.out.find(line));
      const std::string entry = block.substr(0, block.find("\n  -", 1));
      EXPECT_TRUE(entry.find("(default") != std::string::npos ||
                  entry.find("(required)") != std::string::npos)
          << command << " " << flag << ": no default shown in\n" << entry;
    }
  }
}

TEST(CliDialectTest, ListFitsAndAlignsTextUnderItsHeaders) {
  CliResult l = RunCli({"list"});
  ASSERT_EQ(l.exit_code, 0);
  ExpectFits(l.out, "list");
  const std::vector<std::string> lines = Lines(l.out);
  ASSERT_GE(lines.size(), 3u);
  const size_t labels = lines[0].find("labels");
  EXPECT_EQ(lines[2].find("any"), labels) << l.out;  // zhang: "any" starts under "labels"
  CliResult full = RunCli({"list", "--long"});
  ASSERT_EQ(full.exit_code, 0);
  ExpectFits(full.out, "list --long");
  EXPECT_THAT(full.out, HasSubstr("--tries T"));
  EXPECT_THAT(full.out, HasSubstr("(default: 20)"));
}

TEST(CliDialectTest, ParserErrorsAreOneLine) {
  ExpectOneLineError({}, "no command given");
  ExpectOneLineError({"build", "synthetic:ball?n=20", "-o", "x.json"}, "--construction");
  ExpectOneLineError({"data", "synthetic:ball?n=20", "--limit", "many"}, "--limit");
  ExpectOneLineError({"verify"}, "verify: ");
  ExpectOneLineError({"list", "--bogus"}, "--bogus");
  ExpectOneLineError({"inspect", "a.json", "b.json"}, "inspect");
}

TEST(CliDialectTest, UnknownCommandsSuggestTheNearest) {
  ExpectOneLineError({"biuld", "x"}, "unknown command \"biuld\" (did you mean build?)");
  ExpectOneLineError({"help", "verfy"}, "(did you mean verify?)");
  ExpectOneLineError({"frobnicate"}, "`mnemo --help` lists the commands");
  CliResult h = RunCli({"help"});
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_THAT(h.out, HasSubstr("Subcommands:"));
  EXPECT_EQ(h.out, RunCli({"--help"}).out);
}

TEST(CliDialectTest, OutputIsCheckedBeforeAnyWork) {
  TempDir tmp;
  const std::string missing_dir = tmp.Path("no/such/dir/out");
  // The data does not exist either: the -o error comes first, so no work was started.
  ExpectOneLineError({"build", tmp.Path("absent.csv"), "-c", "zhang", "-o", missing_dir},
                     "-o " + missing_dir + ": directory");
  ExpectOneLineError({"predict", tmp.Path("absent.json"), "synthetic:ball?n=9", "-o", missing_dir},
                     "-o " + missing_dir);
  ExpectOneLineError({"export", tmp.Path("absent.json"), "--format", "npz", "-o", missing_dir},
                     "-o " + missing_dir);
  ExpectOneLineError({"export", tmp.Path("absent.json"), "-o", tmp.Path("n.txt")},
                     "no export format has this extension");
  ExpectOneLineError({"export", tmp.Path("absent.json"), "--format", "npy", "-o", tmp.Path("n")},
                     "did you mean npz?");
}

TEST(CliDialectTest, RowTablesFitAndSayWhyARowFailed) {
  CliResult c = RunCli({"compare", "synthetic:ball?n=60&d=3&targets=real", "-c", "zhang,baum"});
  EXPECT_EQ(c.exit_code, 0) << c.err;
  ExpectFits(c.out, "compare");
  EXPECT_THAT(c.out, HasSubstr("does not apply"));
  EXPECT_THAT(c.out, HasSubstr("point 0: label"));  // the row named in the user's terms
  CliResult t = RunCli({"tradeoff", "synthetic:ball?n=60&d=3&classes=3", "--depths", "2,6"});
  EXPECT_EQ(t.exit_code, 1) << t.err;  // depth 2 is infeasible
  ExpectFits(t.out, "tradeoff");
  EXPECT_THAT(t.out, HasSubstr("infeasible"));
  CliResult csv = RunCli({"tradeoff", "synthetic:ball?n=60&d=3&classes=3", "--depths", "6", "--csv"});
  EXPECT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_THAT(csv.out, StartsWith("depth_asked,width,depth,"));
  EXPECT_EQ(testing::CountLines(csv.out), 2);
  ExpectOneLineError({"tradeoff", "synthetic:ball?n=60", "-c", "zhang"},
                     "construction zhang has no --depth knob (constructions with one: bitextract");
}

}  // namespace
}  // namespace mnemo
