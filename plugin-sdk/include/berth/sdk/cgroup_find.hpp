// Finding a container's cgroup by its name alone, for a destroy whose
// record of it (Cgroup::serialize() in the state dir) is lost or damaged.
#pragma once

#include <berth/driver.h>
#include <berth/sdk/cgroup.hpp>

#include <string>

namespace berth::sdk {

// The existing directories of `relative_name` ("berth/<id>") in every
// mounted hierarchy, whichever ones Cgroup::create used. *found is false
// (and *out left invalid) when there is none. The result owns the
// directories, as Cgroup::load's does: destroy() kills what is inside and
// removes them.
int32_t find_cgroup(const std::string &relative_name, Cgroup *out, bool *found, berth_error *err);

}  // namespace berth::sdk
