// Parsing and validation of the container spec (placeholder; the full
// walker lands next).
#include "spec/spec.h"

namespace berth::spec {}  // namespace berth::spec
