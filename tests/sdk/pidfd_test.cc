// pidfds on real processes: opening one, signalling through it, and waiting
// for a process (or any descriptor) to become ready, through signals.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <berth/sdk/fd.hpp>
#include <berth/sdk/file.hpp>
#include <berth/sdk/pidfd.hpp>
#include <berth/sdk/process.hpp>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <string>

using namespace berth::sdk;

namespace {

// A child that does nothing until it is killed. The Child kills and reaps it
// if a test ends early.
Child spawn_sleeper() {
  Child child;
  bool is_child = false;
  berth_error err{};
  if (Child::spawn(0, &child, &is_child, &err) != BERTH_OK) {
    ADD_FAILURE() << err.message;
    return child;
  }
  if (is_child) {
    for (;;) ::pause();
  }
  return child;
}

// A pid that was in use and has been reaped.
pid_t reaped_pid() {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  EXPECT_GT(pid, 0);
  EXPECT_EQ(::waitpid(pid, nullptr, 0), pid);
  return pid;
}

struct Pipe {
  UniqueFd read, write;
  Pipe() {
    int p[2];
    EXPECT_EQ(::pipe2(p, O_CLOEXEC), 0);
    read.reset(p[0]);
    write.reset(p[1]);
  }
};

// SIGALRM from a repeating ITIMER_REAL while a test waits; the handler
// counts and, from tick kill_at_tick on, SIGKILLs kill_pid. Installed
// without SA_RESTART, so every tick makes a blocked ppoll fail with EINTR.
std::atomic<int> ticks{0};
std::atomic<int> kill_at_tick{0};
std::atomic<pid_t> kill_pid{0};

void on_alarm(int) {
  int n = ++ticks;
  pid_t target = kill_pid.load();
  if (target > 0 && n >= kill_at_tick.load()) ::kill(target, SIGKILL);
}

class AlarmTicks {
 public:
  explicit AlarmTicks(long interval_us) {
    ticks = 0;
    struct sigaction sa {};
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART
    EXPECT_EQ(::sigaction(SIGALRM, &sa, &old_), 0);
    itimerval every{{0, interval_us}, {0, interval_us}};
    EXPECT_EQ(::setitimer(ITIMER_REAL, &every, nullptr), 0);
  }
  ~AlarmTicks() {
    itimerval off{};
    ::setitimer(ITIMER_REAL, &off, nullptr);
    ::sigaction(SIGALRM, &old_, nullptr);
    kill_pid = 0;
  }

 private:
  struct sigaction old_ {};
};

int64_t monotonic_ms() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1000000;
}

}  // namespace

TEST(Pidfd, IsCloseOnExecAndReadableOnlyOnceItsProcessIsKilled) {
  Child child = spawn_sleeper();
  ASSERT_TRUE(child);
  UniqueFd pidfd;
  berth_error err{};
  ASSERT_EQ(open_pidfd(child.pid(), &pidfd, &err), BERTH_OK) << err.message;
  ASSERT_TRUE(pidfd);
  EXPECT_NE(::fcntl(pidfd.get(), F_GETFD) & FD_CLOEXEC, 0);

  // The child pauses forever: the wait can only end by its timeout.
  EXPECT_EQ(wait_readable({pidfd.get()}, 50), kWaitTimedOut);
  EXPECT_FALSE(process_exited(pidfd.get()));

  ASSERT_EQ(send_signal(pidfd.get(), SIGKILL, &err), BERTH_OK) << err.message;
  EXPECT_EQ(wait_readable({pidfd.get()}, -1), 0);
  EXPECT_TRUE(process_exited(pidfd.get()));

  int status = 0;
  ASSERT_EQ(child.wait(&status, &err), BERTH_OK) << err.message;
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

TEST(Pidfd, OpeningAReapedPidFailsWithEsrchAndNamesThePid) {
  pid_t pid = reaped_pid();
  UniqueFd pidfd;
  berth_error err{};
  EXPECT_EQ(open_pidfd(pid, &pidfd, &err), BERTH_E_SYSTEM);
  EXPECT_EQ(err.code, BERTH_E_SYSTEM);
  EXPECT_EQ(err.sys_errno, ESRCH);
  EXPECT_NE(std::string(err.message).find("pidfd_open(pid " + std::to_string(pid) + ")"),
            std::string::npos)
      << err.message;
  EXPECT_FALSE(pidfd);
}

TEST(Pidfd, OpeningAPidThatCannotExistFailsWithEsrch) {
  // pid_max itself is never handed out: pids are below it.
  std::string text;
  berth_error err{};
  ASSERT_EQ(read_file("/proc/sys/kernel/pid_max", &text, &err), BERTH_OK) << err.message;
  pid_t pid = static_cast<pid_t>(std::strtol(text.c_str(), nullptr, 10));
  ASSERT_GT(pid, 1);
  UniqueFd pidfd;
  EXPECT_EQ(open_pidfd(pid, &pidfd, &err), BERTH_E_SYSTEM);
  EXPECT_EQ(err.sys_errno, ESRCH) << err.message;
}

TEST(Pidfd, SignallingAReapedProcessFailsWithEsrchAndNamesStepAndSignal) {
  Child child = spawn_sleeper();
  ASSERT_TRUE(child);
  UniqueFd pidfd;
  berth_error err{};
  ASSERT_EQ(open_pidfd(child.pid(), &pidfd, &err), BERTH_OK) << err.message;
  ASSERT_EQ(send_signal(pidfd.get(), SIGTERM, &err), BERTH_OK) << err.message;
  int status = 0;
  ASSERT_EQ(child.wait(&status, &err), BERTH_OK) << err.message;
  EXPECT_EQ(WTERMSIG(status), SIGTERM);

  // The pidfd still refers to the reaped process, never to a new owner of
  // its pid.
  EXPECT_EQ(send_signal(pidfd.get(), SIGTERM, &err), BERTH_E_SYSTEM);
  EXPECT_EQ(err.sys_errno, ESRCH);
  std::string msg = err.message;
  EXPECT_EQ(msg.rfind("pidfd_send_signal(", 0), 0u) << msg;
  EXPECT_NE(msg.find("signal " + std::to_string(SIGTERM)), std::string::npos) << msg;
}

TEST(Pidfd, SignallingThroughSomethingThatIsNoPidfdFails) {
  berth_error err{};
  EXPECT_EQ(send_signal(-1, SIGTERM, &err), BERTH_E_SYSTEM);
  EXPECT_EQ(err.sys_errno, EBADF) << err.message;
  Pipe pipe;
  EXPECT_EQ(send_signal(pipe.read.get(), SIGTERM, &err), BERTH_E_SYSTEM);
  EXPECT_EQ(err.sys_errno, EBADF) << err.message;
}

TEST(WaitReadable, NegativeDescriptorsAreSkippedAndTheIndexIsTheCallers) {
  Pipe quiet, ready;
  ASSERT_EQ(::write(ready.write.get(), "x", 1), 1);
  EXPECT_EQ(wait_readable({-1, quiet.read.get(), ready.read.get()}, -1), 2);
  EXPECT_EQ(wait_readable({-1, ready.read.get()}, 0), 1);
}

TEST(WaitReadable, TheFirstOfSeveralReadyDescriptorsWins) {
  Pipe a, b;
  ASSERT_EQ(::write(a.write.get(), "x", 1), 1);
  ASSERT_EQ(::write(b.write.get(), "x", 1), 1);
  EXPECT_EQ(wait_readable({b.read.get(), a.read.get()}, 0), 0);
}

TEST(WaitReadable, AHungUpPipeCountsAsReady) {
  Pipe p;
  p.write.reset();
  EXPECT_EQ(wait_readable({p.read.get()}, -1), 0);
}

TEST(WaitReadable, NothingToWaitForReturnsTimedOutEvenWithoutALimit) {
  EXPECT_EQ(wait_readable({-1, -1}, -1), kWaitTimedOut);
  EXPECT_EQ(wait_readable(nullptr, 0, -1), kWaitTimedOut);
}

TEST(WaitReadable, ManyDescriptorsAreWatchedToo) {
  Pipe pipes[10];
  ASSERT_EQ(::write(pipes[9].write.get(), "x", 1), 1);
  int fds[10];
  for (int i = 0; i < 10; i++) fds[i] = pipes[i].read.get();
  EXPECT_EQ(wait_readable(fds, 10, -1), 9);
}

TEST(WaitReadable, SignalsDoNotEndAWaitWithoutLimit) {
  Child child = spawn_sleeper();
  ASSERT_TRUE(child);
  UniqueFd pidfd;
  berth_error err{};
  ASSERT_EQ(open_pidfd(child.pid(), &pidfd, &err), BERTH_OK) << err.message;
  {
    // The fifth tick kills the child: the wait must survive four EINTRs.
    kill_at_tick = 5;
    kill_pid = child.pid();
    AlarmTicks alarm(2000);
    EXPECT_EQ(wait_readable({pidfd.get()}, -1), 0);
    EXPECT_GE(ticks.load(), 5);
  }
  // Had the wait ended early, the child would still run: kill it so that a
  // failure is reported rather than waited for.
  ASSERT_EQ(child.kill(SIGKILL, &err), BERTH_OK) << err.message;
  int status = 0;
  ASSERT_EQ(child.wait(&status, &err), BERTH_OK) << err.message;
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

TEST(WaitReadable, SignalsNeitherEndNorExtendATimedWait) {
  Pipe quiet;
  AlarmTicks alarm(5000);
  int64_t start = monotonic_ms();
  // Ticks every 5 ms through a 100 ms wait: restarting with the whole
  // timeout would never end; giving up at the first EINTR would end early.
  EXPECT_EQ(wait_readable({quiet.read.get()}, 100), kWaitTimedOut);
  int64_t waited = monotonic_ms() - start;
  EXPECT_GT(ticks.load(), 0);
  // A lower bound only (the wait may not end before its deadline); how much
  // later it ends depends on the machine's load.
  EXPECT_GE(waited, 100);
}
