// What another berth process needs to find a libvirt container again: a
// key=value file in the container's state directory, replaced atomically.
#pragma once

#include <berth/driver.h>

#include <map>
#include <string>

namespace berth::libvirt {

using State = std::map<std::string, std::string>;

std::string state_path(const berth_container *c);

int32_t save_state(const berth_container *c, const State &state, berth_error *err);

// BERTH_E_NO_CONTAINER when the file is absent.
int32_t load_state(const berth_container *c, State *state, berth_error *err);

}  // namespace berth::libvirt
