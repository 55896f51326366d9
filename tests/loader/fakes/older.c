/* A driver older than the core: it speaks only ABI 1 and answers its
 * version-1 table to any core offering 1 or more. It remembers what it was
 * offered so the test can check the core offers its newest version. */
#include "fake_driver.h"

BERTH_DRIVER_EXPORT uint32_t fake_offered_abi = 0;

static const berth_driver table = FAKE_TABLE("older");

BERTH_DRIVER_EXPORT const berth_driver *berth_driver_entry(uint32_t core_abi_version,
                                                           uint32_t *driver_abi_version) {
  fake_offered_abi = core_abi_version;
  *driver_abi_version = 1;
  return core_abi_version >= 1 ? &table : NULL;
}
