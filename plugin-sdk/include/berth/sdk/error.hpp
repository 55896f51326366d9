// Header-only helpers for filling a berth_error from C++ driver code.
// Nothing here crosses the ABI: drivers compile it into themselves.
#pragma once

#include <berth/driver.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>

namespace berth::sdk {

// Fills `err` with `code` and a printf-formatted message; returns `code` so a
// driver call can `return fail(err, BERTH_E_INVALID, "...")`.
inline int32_t fail(berth_error *err, int32_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
inline int32_t fail(berth_error *err, int32_t code, const char *fmt, ...) {
  if (err != nullptr) {
    err->code = code;
    err->sys_errno = 0;
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
  }
  return code;
}

// A failed system call: "STEP(OBJECT): strerror(errnum)", code BERTH_E_SYSTEM.
inline int32_t fail_errno(berth_error *err, int errnum, const char *step,
                          const std::string &object) {
  if (err != nullptr) {
    err->code = BERTH_E_SYSTEM;
    err->sys_errno = errnum;
    std::snprintf(err->message, sizeof(err->message), "%s(%s): %s", step, object.c_str(),
                  std::strerror(errnum));
  }
  return BERTH_E_SYSTEM;
}

// The same for code that runs between fork/clone and exec, where nothing
// may allocate or take a lock (the parent may have threads):
// strerrordesc_np's static English text instead of strerror's locale,
// the caller's strings, snprintf into the fixed message. `code` is
// BERTH_E_SYSTEM or a more precise one (exec failures).
inline int32_t fail_errno_after_fork(berth_error *err, int32_t code, int errnum, const char *step,
                                     const char *object) {
  if (err != nullptr) {
    const char *text = ::strerrordesc_np(errnum);
    err->code = code;
    err->sys_errno = errnum;
    std::snprintf(err->message, sizeof(err->message), "%s(%s): %s", step, object,
                  text != nullptr ? text : "unknown error");
  }
  return code;
}

// Prepends context to an error already filled by a lower layer:
// "start container abc: " + "pivot_root(...): Invalid argument".
inline int32_t wrap(berth_error *err, const std::string &context) {
  if (err != nullptr) {
    std::string msg = context + ": " + err->message;
    std::snprintf(err->message, sizeof(err->message), "%s", msg.c_str());
    return err->code;
  }
  return BERTH_E_INTERNAL;
}

}  // namespace berth::sdk
