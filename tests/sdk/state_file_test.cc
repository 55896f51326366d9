// Atomic key=value state files.
#include <gtest/gtest.h>
#include <unistd.h>
#include <berth/sdk/file.hpp>
#include <berth/sdk/state_file.hpp>

#include <cstring>

using namespace berth::sdk;

TEST(StateFile, RoundTripsValuesAndLeavesNoTempFile) {
  std::string path = "/tmp/berth-sdk-state-" + std::to_string(::getpid());
  berth_error err{};
  StateValues in{{"pid", "42"}, {"cgroup", "layout=v1;dir=memory:/sys/fs/cgroup/memory/a=b"}};
  ASSERT_EQ(write_state_file(path, in, &err), BERTH_OK) << err.message;
  EXPECT_FALSE(path_exists(path + ".tmp"));
  StateValues out;
  ASSERT_EQ(read_state_file(path, &out, &err), BERTH_OK) << err.message;
  EXPECT_EQ(out, in);
  ::unlink(path.c_str());
}

TEST(StateFile, AMissingFileIsNoContainerAndNewlinesAreRefused) {
  berth_error err{};
  StateValues out;
  EXPECT_EQ(read_state_file("/tmp/berth-sdk-no-such-state", &out, &err), BERTH_E_NO_CONTAINER);
  std::string path = "/tmp/berth-sdk-state-nl-" + std::to_string(::getpid());
  EXPECT_EQ(write_state_file(path, {{"k", "a\nb"}}, &err), BERTH_E_INTERNAL);
  EXPECT_NE(std::strstr(err.message, "newline"), nullptr) << err.message;
  EXPECT_FALSE(path_exists(path));
}
