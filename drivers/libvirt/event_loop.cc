#include "event_loop.hpp"

#include "libvirt_api.hpp"

#include <libvirt/libvirt.h>

#include <atomic>
#include <mutex>
#include <thread>

namespace berth::libvirt {
namespace {

struct LoopState {
  std::mutex mutex;
  int users = 0;
  std::atomic<bool> quit{false};
  std::thread thread;
  int registered = -1;  // result of virEventRegisterDefaultImpl
};

LoopState &loop() {
  static LoopState state;
  return state;
}

void wake_up(int timer, void *) {
  virEventRemoveTimeout(timer);
}

}  // namespace

int32_t ensure_event_impl(berth_error *err) {
  static std::once_flag once;
  std::call_once(once, [] { loop().registered = virEventRegisterDefaultImpl(); });
  if (loop().registered < 0)
    return fail_libvirt(err, BERTH_E_INTERNAL, "virEventRegisterDefaultImpl");
  return BERTH_OK;
}

EventLoopUser::EventLoopUser() {
  LoopState &s = loop();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.users++ == 0) {
    s.quit = false;
    s.thread = std::thread([&s] {
      while (!s.quit) {
        if (virEventRunDefaultImpl() < 0) break;
      }
    });
  }
}

EventLoopUser::~EventLoopUser() {
  LoopState &s = loop();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (--s.users == 0) {
    s.quit = true;
    // A zero timeout makes the blocked poll return at once.
    virEventAddTimeout(0, wake_up, nullptr, nullptr);
    s.thread.join();
  }
}

}  // namespace berth::libvirt
