// An owning handle for liblxc's reference-counted lxc_container.
#pragma once

#include <lxc/lxccontainer.h>

#include <memory>

namespace berth::lxc {

struct LxcPut {
  void operator()(lxc_container *c) const { lxc_container_put(c); }
};
using LxcHandle = std::unique_ptr<lxc_container, LxcPut>;

}  // namespace berth::lxc
