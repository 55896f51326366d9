// The feature check: every spec field the user set is a promise; a driver
// that cannot keep it is refused before anything starts.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "loader/loader.h"
#include "spec/spec.h"

namespace berth::runtime {

struct Requirement {
  std::string field;  // spec path as the user wrote it, e.g. "resources.memory"
  uint64_t feature;   // BERTH_FEATURE_*
  std::function<void(spec::Spec &)> drop;  // removes the field (--best-effort)
};

// The fields set in `spec`, each with the feature it needs.
std::vector<Requirement> requirements(const spec::Spec &spec);

// The requirements `driver` does not declare.
std::vector<Requirement> unhonoured(const std::vector<Requirement> &reqs,
                                    const loader::Driver &driver);

// "resources.memory (limit.memory; honoured by: native, lxc)" lines for an
// error message, naming the drivers of `registry` that could keep each one.
std::string describe_refusal(const std::string &driver_name,
                             const std::vector<Requirement> &missing,
                             const loader::Registry &registry);

}  // namespace berth::runtime
