/* A driver newer than the core that refuses older cores: it needs ABI 2. */
#include "fake_driver.h"

BERTH_DRIVER_EXPORT const berth_driver *berth_driver_entry(uint32_t core_abi_version,
                                                           uint32_t *driver_abi_version) {
  (void)core_abi_version;
  *driver_abi_version = 2;
  return NULL;
}
