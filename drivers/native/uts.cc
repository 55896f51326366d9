#include "uts.h"

#include <limits.h>
#include <unistd.h>
#include <berth/sdk/error.hpp>

#include <cstring>

#include "child_error.h"

namespace berth::native::uts {

int32_t plan(const berth_container *c, const berth_spec *spec, Plan *plan, berth_error *err) {
  if (spec->hostname != nullptr && spec->hostname[0] != '\0') {
    plan->hostname = spec->hostname;
    if (plan->hostname.size() > HOST_NAME_MAX)
      return sdk::fail(err, BERTH_E_INVALID,
                       "hostname: \"%s\" is %zu characters; the kernel allows at most %d",
                       spec->hostname, plan->hostname.size(), HOST_NAME_MAX);
  } else {
    plan->hostname = std::string(c->id).substr(0, 12);
  }
  return BERTH_OK;
}

int32_t set_hostname(const Plan &plan, berth_error *err) {
  if (::sethostname(plan.hostname.data(), plan.hostname.size()) != 0)
    return child_fail(err, errno, "sethostname", plan.hostname.c_str());
  return BERTH_OK;
}

}  // namespace berth::native::uts
