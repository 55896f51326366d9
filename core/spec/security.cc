// security: {no_new_privileges}.
#include "spec/sections.h"

namespace berth::spec {

void walk_security(Walker &w, const Field &f, Security &out) {
  if (f.value.IsNull()) return;
  if (!w.is_map(f)) return;
  for (const Field &entry : w.entries(f, {"no_new_privileges"})) {
    const std::string key = entry.anchor.Scalar();
    if (key == "no_new_privileges") out.no_new_privileges = w.boolean(entry);
  }
}

}  // namespace berth::spec
