// Sizes use docker's binary units: k, m, g are powers of 1024.
#include <gtest/gtest.h>

#include "spec/spec.h"
#include "spec/units.h"

namespace berth::spec {
namespace {

constexpr int64_t kKi = 1024, kMi = kKi * 1024, kGi = kMi * 1024;

TEST(ParseSize, PlainNumberIsBytes) {
  EXPECT_EQ(parse_size("1048576"), 1048576);
}

TEST(ParseSize, EverySpellingOfKibibytes) {
  for (const char *text :
       {"512k", "512K", "512Ki", "512KI", "512kb", "512KB", "512KiB", "512kib"}) {
    EXPECT_EQ(parse_size(text), 512 * kKi) << text;
  }
}

TEST(ParseSize, EverySpellingOfMebibytes) {
  for (const char *text : {"64m", "64M", "64Mi", "64MB", "64MiB", "64mb", "64 Mi"}) {
    EXPECT_EQ(parse_size(text), 64 * kMi) << text;
  }
}

TEST(ParseSize, EverySpellingOfGibibytes) {
  for (const char *text : {"1g", "1G", "1Gi", "1GB", "1GiB"}) {
    EXPECT_EQ(parse_size(text), kGi) << text;
  }
}

TEST(ParseSize, TebibytesAndExplicitBytes) {
  EXPECT_EQ(parse_size("2T"), 2 * kGi * 1024);
  EXPECT_EQ(parse_size("100b"), 100);
  EXPECT_EQ(parse_size("100B"), 100);
}

TEST(ParseSize, FractionRoundsDownToWholeBytes) {
  EXPECT_EQ(parse_size("1.5G"), kGi + kGi / 2);
  EXPECT_EQ(parse_size("0.5k"), 512);
  EXPECT_EQ(parse_size("1.3"), 1);
}

TEST(ParseSize, ZeroParsesAsZero) {
  EXPECT_EQ(parse_size("0"), 0);
}

TEST(ParseSize, JunkIsRejected) {
  for (const char *text : {"", "apples", "64 apples", "64x", "64mm", "-1", "M", "1.", ".5G",
                           "64  M", " 64M", "64M ", "0x10", "64iB", "1e6"}) {
    EXPECT_EQ(parse_size(text), std::nullopt) << "'" << text << "'";
  }
}

TEST(ParseSize, LargestValueFitsAndOneMoreOverflows) {
  EXPECT_EQ(parse_size("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(parse_size("9223372036854775808"), std::nullopt);
  EXPECT_EQ(parse_size_detailed("9223372036854775808").status, SizeResult::Status::Overflow);
  EXPECT_EQ(parse_size_detailed("8388608T").status, SizeResult::Status::Overflow);
  EXPECT_EQ(parse_size_detailed("99999999999999999999999999999G").status,
            SizeResult::Status::Overflow);
  EXPECT_EQ(parse_size("8388607T"), int64_t{8388607} * kGi * 1024);
}

}  // namespace
}  // namespace berth::spec
