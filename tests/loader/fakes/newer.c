/* A driver newer than the core: it speaks ABI 2 (a table with one more call
 * appended) and still answers its version-1 table to a core offering 1. */
#include "fake_driver.h"

typedef struct fake_driver_v2 {
  berth_driver v1;
  int32_t (*checkpoint)(const berth_container *c, berth_error *err); /* appended in "v2" */
} fake_driver_v2;

static int32_t fake_checkpoint(const berth_container *c, berth_error *err) {
  (void)c;
  return fake_fail(err, BERTH_E_UNSUPPORTED, "checkpoint: not in this test");
}

static const berth_driver table_v1 = FAKE_TABLE("newer");

static const fake_driver_v2 table_v2 = {
    .v1 = {.abi_version = 2,
           .struct_size = sizeof(fake_driver_v2),
           .name = "newer",
           .version = "2.0",
           .description = "a fake driver that speaks ABI 2",
           .probe = fake_probe,
           .start = fake_start,
           .wait = fake_wait,
           .kill = fake_kill,
           .state = fake_state,
           .destroy = fake_destroy},
    .checkpoint = fake_checkpoint,
};

BERTH_DRIVER_EXPORT const berth_driver *berth_driver_entry(uint32_t core_abi_version,
                                                           uint32_t *driver_abi_version) {
  if (core_abi_version >= 2) {
    *driver_abi_version = 2;
    return &table_v2.v1;
  }
  *driver_abi_version = 1;
  return core_abi_version == 1 ? &table_v1 : NULL;
}
