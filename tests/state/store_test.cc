// The container store: records created, found and removed; removed
// containers' driver directories recycled empty, a bounded number of them.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "state/store.h"

namespace fs = std::filesystem;
using berth::state::Record;
using berth::state::Store;

namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-store-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }

  Record create(Store &store) {
    Record r;
    r.driver = "fake";
    r.args = {"/bin/true"};
    store.create(r);
    return r;
  }
  std::vector<std::string> entries(const std::string &dir) const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto &e : fs::directory_iterator(dir, ec)) out.push_back(e.path().filename());
    std::sort(out.begin(), out.end());
    return out;
  }
  static ino_t inode(const std::string &path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
  }

  std::string root_;
};

}  // namespace

TEST_F(StoreTest, ARecordIsFoundByIdPrefixAndNameAndGoneAfterRemove) {
  Store store(root_);
  Record r = create(store);
  EXPECT_TRUE(fs::is_directory(store.driver_state_dir(r.id)));
  EXPECT_EQ(store.resolve(r.id.substr(0, 6)).id, r.id);
  EXPECT_EQ(store.resolve(r.name).id, r.id);
  store.remove(r.id);
  EXPECT_FALSE(fs::exists(store.container_dir(r.id)));
  EXPECT_THROW(store.resolve(r.id), berth::state::StoreError);
  EXPECT_TRUE(store.list().empty());
}

TEST_F(StoreTest, ARemovedDriverDirectoryIsEmptiedAndServesTheNextContainer) {
  Store store(root_);
  Record first = create(store);
  const std::string driver_dir = store.driver_state_dir(first.id);
  { std::ofstream(driver_dir + "/fake.state") << "pid=1\n"; }
  fs::create_directories(driver_dir + "/run/sub");
  { std::ofstream(driver_dir + "/run/sub/f") << "x"; }
  ino_t recycled = inode(driver_dir);
  store.remove(first.id);

  Record second = create(store);
  const std::string next = store.driver_state_dir(second.id);
  EXPECT_EQ(inode(next), recycled) << "the emptied directory was not reused";
  EXPECT_TRUE(entries(next).empty()) << "the previous container's files leaked into the next";
  // Nothing besides the live container and the (now empty) spare area.
  EXPECT_EQ(entries(root_ + "/containers"), std::vector<std::string>{second.id});
  EXPECT_TRUE(entries(root_ + "/spare").empty());
  store.remove(second.id);
}

TEST_F(StoreTest, OnlyAFewSpareDirectoriesAreKeptAndTheRestAreDeleted) {
  Store store(root_);
  std::vector<Record> records;
  for (int i = 0; i < 7; ++i) records.push_back(create(store));
  for (const Record &r : records) store.remove(r.id);
  EXPECT_TRUE(entries(root_ + "/containers").empty());
  std::vector<std::string> spares = entries(root_ + "/spare");
  EXPECT_GE(spares.size(), 1u);
  EXPECT_LE(spares.size(), 4u);
  for (const std::string &s : spares) EXPECT_TRUE(entries(root_ + "/spare/" + s).empty()) << s;
}
