// Error reporting for code that runs in the cloned child: no allocation, no
// locks (the parent may have threads), only snprintf into the caller's
// berth_error, which the child then sends to the parent whole.
#pragma once

#include <berth/driver.h>

namespace berth::native {

// "STEP(OBJECT): strerror(errnum)" with BERTH_E_SYSTEM; returns that code.
int32_t child_fail(berth_error *err, int errnum, const char *step, const char *object);

// The same with an explicit berth code (exec failures, invalid spec values
// only detectable inside the container).
int32_t child_fail_code(berth_error *err, int32_t code, int errnum, const char *step,
                        const char *object);

}  // namespace berth::native
