// "Did you mean" picks the closest valid name, and only a plausible one.
#include <gtest/gtest.h>

#include "spec/suggest.h"

namespace berth::spec {
namespace {

TEST(EditDistance, CountsInsertionsDeletionsSubstitutionsAndSwaps) {
  EXPECT_EQ(edit_distance("process", "process"), 0u);
  EXPECT_EQ(edit_distance("proces", "process"), 1u);
  EXPECT_EQ(edit_distance("memroy", "memory"), 1u);  // adjacent swap is one edit
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(EditDistance, IgnoresCase) {
  EXPECT_EQ(edit_distance("ReadOnly", "readonly"), 0u);
}

TEST(Closest, SuggestsTheNearestCandidate) {
  const std::vector<std::string_view> keys = {"args", "env", "cwd", "user", "tty", "stdin"};
  EXPECT_EQ(closest("arg", keys), "args");
  EXPECT_EQ(closest("usr", keys), "user");
  EXPECT_EQ(closest("stdn", keys), "stdin");
}

TEST(Closest, SuggestsNothingForAnUnrelatedWord) {
  const std::vector<std::string_view> keys = {"version", "rootfs", "process"};
  EXPECT_EQ(closest("image", keys), std::nullopt);
  EXPECT_EQ(closest("x", keys), std::nullopt);
}

}  // namespace
}  // namespace berth::spec
