/* Speaks only ABI 99: it answers NULL to every older core. */
#include "fake_driver.h"

BERTH_DRIVER_EXPORT const berth_driver *berth_driver_entry(uint32_t core_abi_version,
                                                           uint32_t *driver_abi_version) {
  (void)core_abi_version;
  *driver_abi_version = 99;
  return NULL;
}
