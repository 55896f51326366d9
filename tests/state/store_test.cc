// The container store: records created, found and removed; removed
// containers' directories recycled empty, a bounded number of them.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/wait.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <string>
#include <thread>
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

TEST_F(StoreTest, ARemovedContainersDirectoryIsEmptiedAndServesTheNextContainer) {
  Store store(root_);
  Record first = create(store);
  const std::string driver_dir = store.driver_state_dir(first.id);
  { std::ofstream(driver_dir + "/fake.state") << "pid=1\n"; }
  fs::create_directories(driver_dir + "/run/sub");
  { std::ofstream(driver_dir + "/run/sub/f") << "x"; }
  { std::ofstream(store.stdout_log(first.id)) << "output\n"; }
  ino_t recycled = inode(store.container_dir(first.id));
  store.remove(first.id);
  EXPECT_FALSE(fs::exists(store.container_dir(first.id)));

  Record second = create(store);
  EXPECT_EQ(inode(store.container_dir(second.id)), recycled)
      << "the emptied directory was not reused";
  EXPECT_EQ(entries(store.container_dir(second.id)),
            (std::vector<std::string>{"driver", "state.json"}))
      << "the previous container's files leaked into the next";
  EXPECT_TRUE(entries(store.driver_state_dir(second.id)).empty());
  EXPECT_EQ(store.load(second.id).id, second.id);
  EXPECT_THROW(store.load(first.id), berth::state::StoreError);
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
  EXPECT_EQ(spares.size(), 4u) << "kSpareDirs in store.cc";
  for (const std::string &s : spares) {
    EXPECT_EQ(entries(root_ + "/spare/" + s), (std::vector<std::string>{"driver", "state.json"}))
        << s;
    EXPECT_EQ(fs::file_size(root_ + "/spare/" + s + "/state.json"), 0u) << s;
    EXPECT_TRUE(entries(root_ + "/spare/" + s + "/driver").empty()) << s;
  }
}

TEST_F(StoreTest, WhatADeadBerthLeftInTheSpareAreaGoesAtTheNextRemoval) {
  Store store(root_);
  Record first = create(store);
  store.remove(first.id);  // makes the spare area
  // A pid that is surely dead: a child we reaped.
  pid_t dead = ::fork();
  if (dead == 0) _exit(0);
  ASSERT_GT(dead, 0);
  ASSERT_EQ(::waitpid(dead, nullptr, 0), dead);
  const std::string claimed = root_ + "/spare/.new-" + std::to_string(dead) + "-0";
  const std::string taken = root_ + "/spare/.removing-" + std::to_string(dead) + "-1-0";
  const std::string alive = root_ + "/spare/.removing-" + std::to_string(::getppid()) + "-1-0";
  for (const auto &d : {claimed, taken, alive}) fs::create_directories(d + "/driver");
  store.remove(create(store).id);
  EXPECT_FALSE(fs::exists(claimed));
  EXPECT_FALSE(fs::exists(taken));
  EXPECT_TRUE(fs::exists(alive)) << "a live berth's entry must stay";
}

// The monitor holds its container's directory locked; `berth wait` blocks
// on that lock. Once the container is removed its directory may serve the
// next container, whose monitor holds the lock anew: the wait must end
// anyway, because the directory is no longer the waited-for container's.
TEST_F(StoreTest, AWaitEndsWhenTheDirectoryItLocksServesAnotherContainer) {
  Store store(root_);
  Record waited = create(store);
  int monitor = ::open(store.monitor_lock(waited.id).c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(monitor, 0);
  ASSERT_EQ(::flock(monitor, LOCK_EX), 0);
  EXPECT_TRUE(store.monitor_alive(waited.id));

  std::promise<void> done;
  std::future<void> returned = done.get_future();
  std::thread waiter([&] {
    store.wait_for_monitor(waited.id);
    done.set_value();
  });
  EXPECT_EQ(returned.wait_for(std::chrono::milliseconds(150)), std::future_status::timeout)
      << "the wait returned while the monitor still ran";
  // The directory, still locked, becomes another container's (what a
  // recycle followed by a claim does while the next monitor holds it).
  const std::string next = root_ + "/containers/" + std::string(64, 'a');
  ASSERT_EQ(::rename(store.container_dir(waited.id).c_str(), next.c_str()), 0);
  if (returned.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    ADD_FAILURE() << "the wait still blocks on a directory that is another container's";
    ::close(monitor);  // lets the waiter go
    monitor = -1;
  }
  waiter.join();
  EXPECT_FALSE(store.monitor_alive(waited.id));
  if (monitor >= 0) ::close(monitor);
}

// Two berths removing one container (the monitor of a --rm run and a
// `berth rm -f`) while a third creates containers: one remover wins, the
// other does nothing, and the new containers' records are never touched
// (a late remover once emptied a directory a new container had claimed).
TEST_F(StoreTest, ConcurrentRemovesOfOneContainerLeaveNewContainersAlone) {
  Store store(root_);
  for (int round = 0; round < 100; ++round) {
    Record old = create(store);
    std::thread other([&] { store.remove(old.id); });
    store.remove(old.id);
    Record fresh = create(store);
    other.join();
    Record read = store.load(fresh.id);
    EXPECT_EQ(read.id, fresh.id) << "round " << round;
    EXPECT_TRUE(fs::is_directory(store.driver_state_dir(fresh.id))) << "round " << round;
    EXPECT_FALSE(fs::exists(store.container_dir(old.id))) << "round " << round;
    store.remove(fresh.id);
  }
  EXPECT_TRUE(entries(root_ + "/containers").empty());
  for (const std::string &s : entries(root_ + "/spare"))
    EXPECT_EQ(s.rfind(".removing-", 0), std::string::npos) << "left behind: " << s;
}

// --- damaged records ---

// state.json's text for a record of `store`, cut or altered by `damage`.
static Record damaged(Store &store, const std::string &root,
                      const std::function<std::string(std::string)> &damage) {
  Record r;
  r.driver = "fake";
  r.status = "running";
  r.pid = 4242;
  r.args = {"/bin/sleep", "300"};
  store.create(r);
  store.save(r);
  std::string path = root + "/containers/" + r.id + "/state.json";
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  std::ofstream(path, std::ios::trunc) << damage(text);
  return r;
}

TEST_F(StoreTest, ATruncatedRecordIsListedWithWhatPrecedesTheCut) {
  Store store(root_);
  // Keys are written in order: args, created_at, detached, driver, ...
  Record r = damaged(store, root_, [](std::string t) { return t.substr(0, t.find("exit_code")); });
  std::vector<Record> all = store.list();
  ASSERT_EQ(all.size(), 1u);
  const Record &got = all.front();
  EXPECT_EQ(got.id, r.id);
  EXPECT_TRUE(got.damaged());
  EXPECT_NE(got.damage.find("truncated or garbled at byte"), std::string::npos) << got.damage;
  EXPECT_EQ(got.driver, "fake");
  EXPECT_EQ(got.args, r.args);
  EXPECT_EQ(got.status, "unknown");
  EXPECT_EQ(store.resolve(r.id.substr(0, 8)).id, r.id);
}

TEST_F(StoreTest, ANumberCutShortIsNotTakenForTheWholeOne) {
  Store store(root_);
  Record r = damaged(store, root_, [](std::string t) {
    size_t at = t.find("\"pid\": 4242");
    return t.substr(0, at + std::strlen("\"pid\": 42"));
  });
  Record got = store.load(r.id);
  EXPECT_TRUE(got.damaged());
  EXPECT_EQ(got.pid, 0) << "42 of 4242 was read as the pid";
  EXPECT_EQ(got.name, r.name);
}

TEST_F(StoreTest, AGarbledRecordIsListedAsDamaged) {
  Store store(root_);
  Record r = damaged(store, root_, [](std::string t) {
    t.replace(t.find("\"name\""), 6, "\x01\xfe}{");
    return t;
  });
  Record got = store.load(r.id);
  EXPECT_TRUE(got.damaged());
  EXPECT_EQ(got.driver, "fake") << "read before the garbage";
  EXPECT_EQ(store.list().size(), 1u);
}

TEST_F(StoreTest, WrongTypesAreNamedAndTheOtherFieldsRead) {
  Store store(root_);
  Record r = damaged(store, root_, [](std::string t) {
    t.replace(t.find("\"pid\": 4242"), 11, "\"pid\": \"x\"");
    t.replace(t.find("\"detached\": false"), 17, "\"detached\": []");
    return t;
  });
  Record got = store.load(r.id);
  EXPECT_NE(got.damage.find("'pid' is a string, not a whole number"), std::string::npos)
      << got.damage;
  EXPECT_NE(got.damage.find("'detached' is a list"), std::string::npos) << got.damage;
  EXPECT_EQ(got.status, "running");
  EXPECT_EQ(got.args, r.args);
  EXPECT_EQ(got.pid, 0);
}

TEST_F(StoreTest, AnEmptyOrForeignRecordIsDamagedNotSkipped) {
  Store store(root_);
  Record empty = damaged(store, root_, [](std::string) { return ""; });
  Record list = damaged(store, root_, [](std::string) { return "[1, 2]"; });
  EXPECT_NE(store.load(empty.id).damage.find("empty"), std::string::npos);
  EXPECT_NE(store.load(list.id).damage.find("holds a list, not a record"), std::string::npos);
  EXPECT_EQ(store.list().size(), 2u);
}

// --- the monitor's lock ---

// A monitor that died (SIGKILL) while a child of its still holds the lock
// through an inherited descriptor is gone, and a wait on it ends.
TEST_F(StoreTest, AMonitorWhoseChildKeepsItsLockIsGone) {
  Store store(root_);
  Record r = create(store);
  int ready[2], release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  pid_t monitor = ::fork();
  if (monitor == 0) {
    int lock = ::open(store.monitor_lock(r.id).c_str(), O_RDONLY | O_DIRECTORY);
    ::flock(lock, LOCK_EX);
    if (::fork() == 0) {  // the child that keeps the descriptor, until released
      ::close(release[1]);
      (void)!::write(ready[1], "x", 1);
      char c;
      (void)!::read(release[0], &c, 1);
      ::_exit(0);
    }
    ::_exit(0);  // the monitor dies; its lock lives on
  }
  ::close(ready[1]);
  ::close(release[0]);
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::close(ready[0]);
  ::waitpid(monitor, nullptr, 0);
  int probe = ::open(store.monitor_lock(r.id).c_str(), O_RDONLY | O_DIRECTORY);
  EXPECT_NE(::flock(probe, LOCK_EX | LOCK_NB), 0) << "the child should still hold the lock";
  ::close(probe);
  EXPECT_EQ(store.monitor_pid(r.id), 0);
  EXPECT_EQ(store.wait_for_monitor(r.id, std::chrono::seconds(5)), berth::state::MonitorWait::gone);
  ::close(release[1]);  // the child ends
}

TEST_F(StoreTest, AWaitOnALiveMonitorEndsAtItsTimeout) {
  Store store(root_);
  Record r = create(store);
  int lock = ::open(store.monitor_lock(r.id).c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_EQ(::flock(lock, LOCK_EX), 0);
  EXPECT_EQ(store.monitor_pid(r.id), ::getpid());
  auto began = std::chrono::steady_clock::now();
  EXPECT_EQ(store.wait_for_monitor(r.id, std::chrono::milliseconds(300)),
            berth::state::MonitorWait::timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(2));
  ::close(lock);
  EXPECT_EQ(store.monitor_pid(r.id), 0);
}
