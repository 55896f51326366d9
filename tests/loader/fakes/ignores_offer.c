/* Answers a version-2 table even when the core offered only 1. */
#include "fake_driver.h"

static const berth_driver table = {
    .abi_version = 2,
    .struct_size = sizeof(berth_driver),
    .name = "pushy",
    .probe = fake_probe,
    .start = fake_start,
    .wait = fake_wait,
    .kill = fake_kill,
    .state = fake_state,
    .destroy = fake_destroy,
};

BERTH_DRIVER_EXPORT const berth_driver *berth_driver_entry(uint32_t core_abi_version,
                                                           uint32_t *driver_abi_version) {
  (void)core_abi_version;
  *driver_abi_version = 2;
  return &table;
}
