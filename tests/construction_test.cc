// Tests for mnemo/construction.h: the registry (names, typed options, help), FindConstruction's
// suggestions.
#include "mnemo/construction.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/test_util.h"

#include <set>

namespace mnemo {
namespace {

using ::testing::HasSubstr;
using testing::ErrorOf;

TEST(RegistryTest, EveryConstructionIsCompleteAndParsesItsDefaults) {
  std::set<std::string> names;
  for (const Construction& c : Registry()) {
    EXPECT_TRUE(names.insert(c.name).second) << c.name;
    EXPECT_FALSE(c.summary.empty()) << c.name;
    EXPECT_FALSE(c.bound.empty()) << c.name;
    EXPECT_FALSE(c.citation.empty()) << c.name;
    EXPECT_GE(c.default_attempts, 1) << c.name;
    ASSERT_TRUE(c.parse && c.build && c.options_json) << c.name;
    std::any defaults = c.parse({});
    nlohmann::ordered_json j = c.options_json(defaults);
    EXPECT_EQ(j.size(), c.options.size()) << c.name;
    for (const OptionSpec& o : c.options) {
      EXPECT_TRUE(j.contains(o.name)) << c.name << " --" << o.name;
      EXPECT_FALSE(o.help.empty()) << c.name << " --" << o.name;
      EXPECT_TRUE(c.HasOption(o.name));
    }
  }
  EXPECT_EQ(names.size(), 6u);
}

TEST(RegistryTest, UnknownNamesSuggestTheNearest) {
  EXPECT_EQ(FindConstruction("zhang").name, "zhang");
  EXPECT_FALSE(FindConstruction("zhang").needs_classes);
  EXPECT_THAT(ErrorOf([] { FindConstruction("zhnag"); }),
              HasSubstr("unknown construction \"zhnag\"; did you mean zhang?"));
  EXPECT_THAT(ErrorOf([] { FindConstruction("nope"); }),
              HasSubstr("unknown construction \"nope\" (known: zhang, bitextract"));
}

TEST(RegistryTest, OptionsAreParsedAndCheckedByTheConstruction) {
  const Construction& z = FindConstruction("zhang");
  EXPECT_THAT(ErrorOf([&] {
                z.parse({{"widht", "3"}});
              }),
              HasSubstr("--widht: not an option of construction zhang"));
  EXPECT_THAT(ErrorOf([&] { z.parse({{"tries", "0"}}); }), HasSubstr("--tries: expected 1..1000"));
  EXPECT_EQ(z.options_json(z.parse({{"tries", "4"}}))["tries"], 4);
}

}  // namespace
}  // namespace mnemo
