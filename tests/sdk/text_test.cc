// The SDK's text helpers: the parsing every driver's /proc and cgroupfs
// reading stands on.
#include <gtest/gtest.h>
#include <berth/sdk/text.hpp>

using berth::sdk::parse_int64;
using berth::sdk::split;
using berth::sdk::words;
using Parts = std::vector<std::string>;

TEST(SdkText, SplitKeepsInnerEmptyFieldsAndDropsATrailingOne) {
  EXPECT_EQ(split("a,,b", ','), (Parts{"a", "", "b"}));
  EXPECT_EQ(split("a,b,", ','), (Parts{"a", "b"}));
  EXPECT_EQ(split("", ','), Parts{});
  EXPECT_EQ(split("/sys/fs/cgroup", '/'), (Parts{"", "sys", "fs", "cgroup"}));
  EXPECT_EQ(split("line one\nline two\n", '\n'), (Parts{"line one", "line two"}));
}

TEST(SdkText, WordsSplitOnAnyWhitespace) {
  EXPECT_EQ(words("oom 0\noom_kill 3\n"), (Parts{"oom", "0", "oom_kill", "3"}));
  EXPECT_EQ(words("  cpu\tmemory  pids "), (Parts{"cpu", "memory", "pids"}));
  EXPECT_EQ(words(" \n\t"), Parts{});
}

TEST(SdkText, ParseInt64TakesWholeDecimalNumbersOnly) {
  int64_t v = 0;
  EXPECT_TRUE(parse_int64("4242", &v));
  EXPECT_EQ(v, 4242);
  EXPECT_TRUE(parse_int64("-1", &v));
  EXPECT_EQ(v, -1);
  EXPECT_FALSE(parse_int64("", &v));
  EXPECT_FALSE(parse_int64("12ab", &v));
  EXPECT_FALSE(parse_int64(" 12", &v));
  EXPECT_FALSE(parse_int64("max", &v));
  EXPECT_FALSE(parse_int64("99999999999999999999", &v));
}
