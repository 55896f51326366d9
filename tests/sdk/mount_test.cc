// Opening paths inside a root, and mounts (root): read-only bind remount,
// undo by mount id only.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <berth/sdk/file.hpp>
#include <berth/sdk/in_root.hpp>
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

// A path opened through open_in_root names the same inode as `host`.
void expect_same_inode(int fd, const std::string &host) {
  struct stat a {
  }, b{};
  ASSERT_EQ(::fstat(fd, &a), 0);
  ASSERT_EQ(::lstat(host.c_str(), &b), 0) << host;
  EXPECT_EQ(a.st_ino, b.st_ino) << host;
}

TEST(InRoot, FollowsSymlinksInsideTheRootAndCreatesWhatIsMissingThere) {
  TempDir t;
  const std::string root = t.path();
  ASSERT_EQ(::mkdir((root + "/usr").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((root + "/usr/lib").c_str(), 0755), 0);
  ASSERT_EQ(::symlink("usr/lib", (root + "/lib").c_str()), 0);
  ASSERT_EQ(::symlink("/usr", (root + "/abs").c_str()), 0);  // absolute: the container's /usr
  berth_error err{};
  UniqueFd fd;
  ASSERT_EQ(open_in_root(root, "/abs/lib/new/dir", InRootCreate::directory, &fd, &err), BERTH_OK)
      << err.message;
  expect_same_inode(fd.get(), root + "/usr/lib/new/dir");
  ASSERT_EQ(open_in_root(root, "/lib/new/file", InRootCreate::file, &fd, &err), BERTH_OK)
      << err.message;
  expect_same_inode(fd.get(), root + "/usr/lib/new/file");
  ASSERT_EQ(open_in_root(root, "/", InRootCreate::none, &fd, &err), BERTH_OK);
  expect_same_inode(fd.get(), root);
}

TEST(InRoot, SymlinksAndDotDotLeavingTheRootStayInsideAndCreateNothingOutside) {
  TempDir t, host;
  const std::string root = t.path();
  ASSERT_EQ(::mkdir((root + "/d").c_str(), 0755), 0);
  ASSERT_EQ(::symlink(host.path().c_str(), (root + "/d/evil").c_str()), 0);
  ASSERT_EQ(::symlink("../../../../..", (root + "/up").c_str()), 0);
  berth_error err{};
  UniqueFd fd;
  // The absolute link is the container's path, which does not exist there:
  // refused, and nothing is made on the host.
  EXPECT_EQ(open_in_root(root, "/d/evil/a/b", InRootCreate::directory, &fd, &err), BERTH_E_SYSTEM);
  EXPECT_EQ(err.sys_errno, ENOENT) << err.message;
  EXPECT_NE(::access((host.path() + "/a").c_str(), F_OK), 0);
  // Once that path exists inside the root, the link leads there.
  ASSERT_EQ(open_in_root(root, host.path(), InRootCreate::directory, &fd, &err), BERTH_OK);
  ASSERT_EQ(open_in_root(root, "/d/evil/a/b", InRootCreate::directory, &fd, &err), BERTH_OK)
      << err.message;
  expect_same_inode(fd.get(), root + host.path() + "/a/b");
  EXPECT_NE(::access((host.path() + "/a").c_str(), F_OK), 0);
  ASSERT_EQ(open_in_root(root, "/up/x", InRootCreate::file, &fd, &err), BERTH_OK) << err.message;
  expect_same_inode(fd.get(), root + "/x");
  ASSERT_EQ(open_in_root(root, "/../../etc", InRootCreate::none, &fd, &err), BERTH_E_SYSTEM);
  EXPECT_NE(std::strstr(err.message, "/../../etc"), nullptr) << err.message;
}

TEST(InRoot, MagicLinksAreRefusedNamingThePath) {
  TempDir t;
  berth_error err{};
  UniqueFd fd;
  ASSERT_EQ(::mkdir((t.path() + "/proc").c_str(), 0755), 0);
  ASSERT_EQ(::symlink("/proc/self/fd/3", (t.path() + "/cwd").c_str()), 0);
  // Inside the root /proc is an empty directory; the magic-link case is a
  // link whose target is the host's procfs, reached through a bind.
  ASSERT_EQ(::mount("/proc", (t.path() + "/proc").c_str(), nullptr, MS_BIND, nullptr), 0);
  Mount guard(t.path() + "/proc");
  EXPECT_EQ(open_in_root(t.path(), "/proc/self/fd/0", InRootCreate::none, &fd, &err),
            BERTH_E_SYSTEM);
  EXPECT_EQ(err.sys_errno, ELOOP) << err.message;
  EXPECT_NE(std::strstr(err.message, "/proc/self/fd/0"), nullptr) << err.message;
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
  // The recorded path reached through a symlink swapped in: left alone.
  TempDir swapped;
  ASSERT_EQ(::symlink(dst.path().c_str(), (swapped.path() + "/m").c_str()), 0);
  EXPECT_EQ(unmount_if_id(swapped.path() + "/m", id, &err), BERTH_OK);
  EXPECT_TRUE(is_mount_point(dst.path())) << "an unmount followed a symlink";
  EXPECT_EQ(unmount_if_id(dst.path(), id, &err), BERTH_OK) << err.message;
  EXPECT_FALSE(is_mount_point(dst.path()));
  EXPECT_EQ(unmount_if_id(dst.path(), id, &err), BERTH_OK) << "undo is idempotent";
  guard.release();
}
