// Tests for mnemo/options.h: one Visit() gives parsing (defaults, placed errors, unknown keys
// with the nearest name), the help list and the JSON of the values.
#include "mnemo/options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;
using testing::ErrorOf;

struct DemoOptions {
  int64_t width = 12;
  double eta = 0.5;
  bool flag = false;
  std::string mode = "auto";
  std::vector<int64_t> list;
  std::vector<std::string> names;
  std::optional<int64_t> depth;

  template <class V>
  void Visit(V& v) {
    v("width", &width, "W", "width");
    v("eta", &eta, "E", "step width");
    v("flag", &flag, "", "a switch");
    v("mode", &mode, "auto|on", "mode");
    v("list", &list, "a,b", "integers");
    v("names", &names, "a,b", "names");
    v("depth", &depth, "L", "target depth", "as small as possible");
  }
  bool IsValid(std::string* why) const {
    if (mode != "auto" && mode != "on")
      *why = fmt::format("--mode: expected auto or on, got \"{}\"", mode);
    return why->empty();
  }
};

TEST(OptionsTest, DefaultsWhenAbsentValuesWhenGiven) {
  DemoOptions d = ParseOptions<DemoOptions>({}, "demo");
  EXPECT_EQ(d.width, 12);
  EXPECT_FALSE(d.depth);
  DemoOptions o = ParseOptions<DemoOptions>({{"width", "7"},
                                             {"eta", "0.25"},
                                             {"flag", "true"},
                                             {"list", "1,2,3"},
                                             {"names", "a,b"},
                                             {"depth", "40"}},
                                            "demo");
  EXPECT_EQ(o.width, 7);
  EXPECT_EQ(o.eta, 0.25);
  EXPECT_TRUE(o.flag);
  EXPECT_EQ(o.list, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(o.names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(o.depth, 40);
}

TEST(OptionsTest, MalformedValuesNameTheFlag) {
  auto parse = [](ParamMap m) { return ErrorOf([&] { ParseOptions<DemoOptions>(m, "demo"); }); };
  EXPECT_THAT(parse({{"width", "x1"}}), HasSubstr("--width: expected an integer, got \"x1\""));
  EXPECT_THAT(parse({{"width", "99999999999999999999"}}),
              HasSubstr("--width: expected an integer"));
  EXPECT_THAT(parse({{"eta", "nan"}}), HasSubstr("--eta: expected a number"));
  EXPECT_THAT(parse({{"flag", "maybe"}}), HasSubstr("--flag: expected true or false"));
  EXPECT_THAT(parse({{"list", "1,,2"}}), HasSubstr("--list: empty item"));
  EXPECT_THAT(parse({{"list", "a"}}), HasSubstr("--list: expected integers"));
  EXPECT_THAT(parse({{"mode", "off"}}), HasSubstr("--mode: expected auto or on, got \"off\""));
}

TEST(OptionsTest, UnknownKeysSuggestTheNearestOrListAll) {
  auto parse = [](ParamMap m) { return ErrorOf([&] { ParseOptions<DemoOptions>(m, "demo"); }); };
  EXPECT_THAT(parse({{"widht", "3"}}),
              HasSubstr("--widht: not an option of demo; did you mean --width?"));
  EXPECT_THAT(parse({{"zzzzzz", "3"}}),
              HasSubstr("--zzzzzz: not an option of demo (its options: --width, --eta, --flag"));
}

TEST(OptionsTest, ListAndJsonComeFromTheSameVisit) {
  std::vector<OptionSpec> specs = ListOptions(DemoOptions{});
  ASSERT_EQ(specs.size(), 7u);
  EXPECT_EQ(specs[0].name, "width");
  EXPECT_EQ(specs[0].default_value, "12");
  EXPECT_EQ(specs[3].default_value, "auto");
  EXPECT_EQ(specs[6].default_value, "as small as possible");
  nlohmann::ordered_json j = OptionsToJson(ParseOptions<DemoOptions>({{"depth", "9"}}, "demo"));
  EXPECT_EQ(j["width"], 12);
  EXPECT_EQ(j["depth"], 9);
  EXPECT_EQ(j.begin().key(), "width");
  EXPECT_TRUE(OptionsToJson(DemoOptions{})["depth"].is_null());
}

TEST(NearestNameTest, EditDistanceAndPrefix) {
  EXPECT_EQ(NearestName("bild", {"build", "verify"}), "build");
  EXPECT_EQ(NearestName("ver", {"build", "verify"}), "verify");
  EXPECT_EQ(NearestName("xyzzy", {"build", "verify"}), "");
}

}  // namespace
}  // namespace mnemo
