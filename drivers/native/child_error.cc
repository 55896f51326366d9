#include "child_error.h"

#include <cstdio>
#include <cstring>

namespace berth::native {

int32_t child_fail_code(berth_error *err, int32_t code, int errnum, const char *step,
                        const char *object) {
  // strerrordesc_np: the static English text, no locale, no buffer.
  const char *text = ::strerrordesc_np(errnum);
  err->code = code;
  err->sys_errno = errnum;
  std::snprintf(err->message, sizeof err->message, "%s(%s): %s", step, object,
                text != nullptr ? text : "unknown error");
  return code;
}

int32_t child_fail(berth_error *err, int errnum, const char *step, const char *object) {
  return child_fail_code(err, BERTH_E_SYSTEM, errnum, step, object);
}

}  // namespace berth::native
