// Child processes, the SyncPipe protocol and exit statuses.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <berth/sdk/fd.hpp>
#include <berth/sdk/process.hpp>

#include <cstdio>
#include <cstring>

using namespace berth::sdk;

TEST(ExitStatus, ExitCodesAndSignalsMapLikeAShell) {
  int status = 0;
  pid_t pid = ::fork();
  if (pid == 0) _exit(3);
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  berth_exit_status s = exit_status_from_wait(status);
  EXPECT_EQ(s.exit_code, 3);
  EXPECT_EQ(s.signal, 0);
  pid = ::fork();
  if (pid == 0) {
    ::raise(SIGTERM);
    _exit(0);
  }
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  s = exit_status_from_wait(status);
  EXPECT_EQ(s.signal, SIGTERM);
  EXPECT_EQ(s.exit_code, 128 + SIGTERM);
}

TEST(SyncPipe, TheParentLearnsTheChildsExecError) {
  SyncPipe sync;
  berth_error err{};
  ASSERT_EQ(SyncPipe::create(&sync, &err), BERTH_OK) << err.message;
  Child child;
  bool is_child = false;
  ASSERT_EQ(Child::spawn(0, &child, &is_child, &err), BERTH_OK) << err.message;
  if (is_child) {
    sync.in_child();
    int32_t go = -1;
    if (sync.receive_value(&go) != 0 || go != 7) _exit(1);
    char *argv[] = {const_cast<char *>("/nonexistent/berth-test"), nullptr};
    ::execv(argv[0], argv);
    berth_error e{};
    e.code = BERTH_E_EXEC_NOT_FOUND;
    e.sys_errno = errno;
    std::snprintf(e.message, sizeof e.message, "exec %s", argv[0]);
    sync.send_error(e);
    _exit(127);
  }
  sync.in_parent();
  ASSERT_EQ(sync.send_value(7), 0);
  berth_error child_error{};
  bool got = false;
  ASSERT_EQ(sync.receive_error(&child_error, &got, &err), BERTH_OK) << err.message;
  ASSERT_TRUE(got);
  EXPECT_EQ(child_error.code, BERTH_E_EXEC_NOT_FOUND);
  EXPECT_EQ(child_error.sys_errno, ENOENT);
  int status = 0;
  ASSERT_EQ(child.wait(&status, &err), BERTH_OK) << err.message;
  EXPECT_EQ(WEXITSTATUS(status), 127);
}

TEST(SyncPipe, AChildFailingBeforeGoStillReportsWithGoUnread) {
  // The child fails during setup and exits before reading "go": the kernel
  // then leaves ECONNRESET pending on the parent's end, ahead of the report.
  SyncPipe sync;
  berth_error err{};
  ASSERT_EQ(SyncPipe::create(&sync, &err), BERTH_OK) << err.message;
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  Child child;
  bool is_child = false;
  ASSERT_EQ(Child::spawn(0, &child, &is_child, &err), BERTH_OK) << err.message;
  if (is_child) {
    sync.in_child();
    char c;
    if (::read(ready[0], &c, 1) != 1) _exit(2);  // "go" is queued now
    berth_error e{};
    e.code = BERTH_E_SYSTEM;
    e.sys_errno = ENOTDIR;
    std::snprintf(e.message, sizeof e.message, "chdir(/proc/self/fd/5): Not a directory");
    sync.send_error(e);
    _exit(1);
  }
  sync.in_parent();
  ASSERT_EQ(sync.send_value(7), 0);
  ASSERT_EQ(::write(ready[1], "x", 1), 1);
  int status = 0;
  ASSERT_EQ(child.wait(&status, &err), BERTH_OK) << err.message;
  ::close(ready[0]);
  ::close(ready[1]);
  berth_error child_error{};
  bool got = false;
  ASSERT_EQ(sync.receive_error(&child_error, &got, &err), BERTH_OK) << err.message;
  ASSERT_TRUE(got);
  EXPECT_EQ(child_error.sys_errno, ENOTDIR);
  EXPECT_STREQ(child_error.message, "chdir(/proc/self/fd/5): Not a directory");
}

TEST(SyncPipe, ASuccessfulExecClosesThePipe) {
  SyncPipe sync;
  berth_error err{};
  ASSERT_EQ(SyncPipe::create(&sync, &err), BERTH_OK);
  Child child;
  bool is_child = false;
  ASSERT_EQ(Child::spawn(0, &child, &is_child, &err), BERTH_OK);
  if (is_child) {
    sync.in_child();
    char *argv[] = {const_cast<char *>("/bin/true"), nullptr};
    ::execv(argv[0], argv);
    _exit(127);
  }
  sync.in_parent();
  berth_error child_error{};
  bool got = true;
  ASSERT_EQ(sync.receive_error(&child_error, &got, &err), BERTH_OK);
  EXPECT_FALSE(got);
  int status = 0;
  ASSERT_EQ(child.wait(&status, &err), BERTH_OK);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(Child, AnUnwaitedChildIsKilledAndReapedByItsOwner) {
  pid_t pid = 0;
  {
    Child child;
    bool is_child = false;
    berth_error err{};
    ASSERT_EQ(Child::spawn(0, &child, &is_child, &err), BERTH_OK);
    if (is_child) {
      for (;;) ::pause();
    }
    pid = child.pid();
    uint64_t start = 0;
    ASSERT_EQ(process_start_time(pid, &start, &err), BERTH_OK) << err.message;
    EXPECT_TRUE(process_alive(pid, start));
    EXPECT_FALSE(process_alive(pid, start + 1)) << "another start time is another process";
  }
  EXPECT_EQ(::kill(pid, 0), -1) << "the child must be gone (reaped) after its owner";
  EXPECT_EQ(errno, ESRCH);
}
