// Atomic key=value state files.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <berth/sdk/file.hpp>
#include <berth/sdk/state_file.hpp>

#include <cstring>
#include <filesystem>

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

TEST(ReplaceFile, CreatesThenReplacesWholeWithModeAndNoLeftovers) {
  std::string path = "/tmp/berth-sdk-replace-" + std::to_string(::getpid());
  berth_error err{};
  ASSERT_EQ(replace_file(path, "first\n", 0600, &err), BERTH_OK) << err.message;
  struct stat before {};
  ASSERT_EQ(::stat(path.c_str(), &before), 0);
  // A reader that opened the old file keeps the old content: the new one is
  // a different inode swapped into place, never a rewrite of the old.
  int reader = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(reader, 0);
  ASSERT_EQ(replace_file(path, "second, longer\n", 0640, &err), BERTH_OK) << err.message;
  std::string now;
  ASSERT_EQ(read_file(path, &now, &err), BERTH_OK) << err.message;
  EXPECT_EQ(now, "second, longer\n");
  char old[32] = {};
  EXPECT_EQ(::read(reader, old, sizeof old - 1), 6);
  EXPECT_STREQ(old, "first\n");
  ::close(reader);
  struct stat after {};
  ASSERT_EQ(::stat(path.c_str(), &after), 0);
  EXPECT_NE(after.st_ino, before.st_ino);
  EXPECT_EQ(after.st_mode & 0777, 0640u);
  // Nothing beside it: neither the new content's temporary name nor the
  // old content.
  std::string dir = "/tmp", base = path.substr(5);
  int leftovers = 0;
  for (const auto &e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().rfind(base + ".", 0) == 0) ++leftovers;
  EXPECT_EQ(leftovers, 0);
  ::unlink(path.c_str());
}

TEST(ReplaceFile, AnUnwritableDirectoryIsReportedWithThePath) {
  berth_error err{};
  EXPECT_EQ(replace_file("/proc/berth-no-such-dir/x", "x", 0600, &err), BERTH_E_SYSTEM);
  EXPECT_NE(std::strstr(err.message, "/proc/berth-no-such-dir/x."), nullptr) << err.message;
}
