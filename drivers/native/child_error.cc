#include "child_error.h"

#include <berth/sdk/error.hpp>

namespace berth::native {

int32_t child_fail_code(berth_error *err, int32_t code, int errnum, const char *step,
                        const char *object) {
  return sdk::fail_errno_after_fork(err, code, errnum, step, object);
}

int32_t child_fail(berth_error *err, int errnum, const char *step, const char *object) {
  return child_fail_code(err, BERTH_E_SYSTEM, errnum, step, object);
}

}  // namespace berth::native
