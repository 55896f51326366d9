// The checks for each part of the document, one file per part.
#pragma once

#include "spec/spec.h"
#include "spec/walker.h"

namespace berth::spec {

void walk_process(Walker &w, const Field &f, Process &out);            // process.cc
void walk_mounts(Walker &w, const Field &f, std::vector<Mount> &out);  // mounts.cc
void walk_resources(Walker &w, const Field &f, Resources &out);        // resources.cc
void walk_capabilities(Walker &w, const Field &f, Capabilities &out);  // capabilities.cc
void walk_security(Walker &w, const Field &f, Security &out);          // security.cc
void walk_driver_options(Walker &w, const Field &f,
                         decltype(Spec::driver_options) &out);  // driver_options.cc

}  // namespace berth::spec
