// Tests for `mnemo compare`: one row per registered construction, every network verified
// exactly; -c selects; --csv and --json; a construction that does not apply says why.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mnemo/construction.h"
#include "tests/test_util.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;
using testing::RunCli;

TEST(CompareCliTest, EveryRegisteredConstructionBuildsAndVerifies) {
  auto r = RunCli({"compare", "synthetic:sphere?n=300&d=8&classes=3&seed=1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["rows"].size(), Registry().size());
  for (size_t k = 0; k < Registry().size(); ++k) {
    EXPECT_EQ(j["rows"][k]["construction"], Registry()[k].name);
    EXPECT_EQ(j["rows"][k]["status"], "success") << j["rows"][k].dump();
    EXPECT_TRUE(j["rows"][k]["verification"]["all_correct"].get<bool>()) << j["rows"][k].dump();
    EXPECT_EQ(j["rows"][k]["verification"]["checked"], 300);
  }
}

TEST(CompareCliTest, SelectedConstructionsAsTextAndCsv) {
  auto t = RunCli({"compare", "synthetic:sphere?n=200&d=6&classes=2&seed=2", "-c", "baum,yun"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_THAT(t.out, HasSubstr("construction"));
  EXPECT_THAT(t.out, HasSubstr("baum"));
  EXPECT_THAT(t.out, HasSubstr("yun"));
  EXPECT_THAT(t.out, ::testing::Not(HasSubstr("vershynin")));
  auto c = RunCli({"compare", "synthetic:sphere?n=200&d=6&classes=2&seed=2", "-c", "baum,yun", "--csv"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(testing::CountLines(c.out), 3);
  EXPECT_THAT(c.out, HasSubstr("verified"));
}

TEST(CompareCliTest, ConstructionThatDoesNotApplySaysWhy) {
  auto r = RunCli({"compare", "synthetic:sphere?n=100&d=4&targets=real&seed=3", "-c",
                   "baum,bubeck", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["rows"][0]["status"], "does not apply");
  EXPECT_THAT(j["rows"][0]["reason"].get<std::string>(), HasSubstr("classes only"));
  EXPECT_TRUE(j["rows"][1]["verification"]["all_correct"].get<bool>());
}

TEST(CompareCliTest, UnknownConstructionIsAUsageError) {
  auto r = RunCli({"compare", "synthetic:sphere?n=10&d=2", "-c", "nosuch"});
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace mnemo
