// Path resolution inside a root, and mounts (root): read-only bind remount,
// undo by mount id only.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>
#include <berth/sdk/file.hpp>
#include <berth/sdk/mount.hpp>

#include <cstring>

using namespace berth::sdk;

namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/berth-sdk-test.XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  const std::string &path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

TEST(ResolveInRoot, FollowsSymlinksInsideTheRoot) {
  TempDir t;
  const std::string root = t.path();
  ASSERT_EQ(::mkdir((root + "/usr").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((root + "/usr/lib").c_str(), 0755), 0);
  ASSERT_EQ(::symlink("usr/lib", (root + "/lib").c_str()), 0);
  ASSERT_EQ(::symlink("/usr", (root + "/abs").c_str()), 0);  // absolute: the container's /usr
  std::string out;
  berth_error err{};
  ASSERT_EQ(resolve_in_root(root, "/lib/x", &out, &err), BERTH_OK) << err.message;
  EXPECT_EQ(out, root + "/usr/lib/x");
  ASSERT_EQ(resolve_in_root(root, "/abs/lib/new/dir", &out, &err), BERTH_OK) << err.message;
  EXPECT_EQ(out, root + "/usr/lib/new/dir");
  ASSERT_EQ(resolve_in_root(root, "/", &out, &err), BERTH_OK);
  EXPECT_EQ(out, root);
}

TEST(ResolveInRoot, RefusesDotDotAndSymlinksLeavingTheRoot) {
  TempDir t;
  const std::string root = t.path();
  ASSERT_EQ(::symlink("../../../etc", (root + "/escape").c_str()), 0);
  std::string out;
  berth_error err{};
  EXPECT_EQ(resolve_in_root(root, "/escape/passwd", &out, &err), BERTH_E_INVALID);
  EXPECT_NE(std::strstr(err.message, "leaves the root"), nullptr) << err.message;
  EXPECT_EQ(resolve_in_root(root, "/a/../../etc", &out, &err), BERTH_E_INVALID);
  EXPECT_NE(std::strstr(err.message, ".."), nullptr) << err.message;
  EXPECT_EQ(resolve_in_root(root, "relative", &out, &err), BERTH_E_INVALID);
}

TEST(Mounts, ReadOnlyBindKeepsTheSourceWritableAndUndoesByMountId) {
  ASSERT_EQ(::geteuid(), 0u) << "mount tests need root";
  TempDir src, dst;
  berth_error err{};
  ASSERT_EQ(create_file(src.path() + "/f", "x", 0644, &err), BERTH_OK) << err.message;
  ASSERT_EQ(bind_mount(src.path(), dst.path(), false, &err), BERTH_OK) << err.message;
  Mount guard(dst.path());
  ASSERT_EQ(set_propagation(dst.path(), MS_PRIVATE, &err), BERTH_OK) << err.message;
  ASSERT_EQ(remount_readonly(dst.path(), &err), BERTH_OK) << err.message;
  EXPECT_TRUE(is_mount_point(dst.path()));
  EXPECT_NE(create_file(dst.path() + "/g", "", 0644, &err), BERTH_OK);
  EXPECT_EQ(err.sys_errno, EROFS) << err.message;
  EXPECT_EQ(create_file(src.path() + "/g", "", 0644, &err), BERTH_OK) << err.message;

  uint64_t id = 0;
  ASSERT_EQ(mount_id(dst.path(), &id, &err), BERTH_OK) << err.message;
  EXPECT_EQ(unmount_if_id(dst.path(), id + 100000, &err), BERTH_OK);
  EXPECT_TRUE(is_mount_point(dst.path())) << "a foreign mount id must not be unmounted";
  EXPECT_EQ(unmount_if_id(dst.path(), id, &err), BERTH_OK) << err.message;
  EXPECT_FALSE(is_mount_point(dst.path()));
  EXPECT_EQ(unmount_if_id(dst.path(), id, &err), BERTH_OK) << "undo is idempotent";
  guard.release();
}
