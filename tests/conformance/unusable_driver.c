/* A driver whose backend is down: it loads, but its probe says it cannot
 * run here, so berth cannot ask it to release anything. */
#include "../loader/fakes/fake_driver.h"

static int32_t backend_down(char *info, size_t info_size, berth_error *err) {
  snprintf(info, info_size, "nothing");
  return fake_fail(err, BERTH_E_UNAVAILABLE, "the test's backend is down");
}

static const berth_driver table = {
    .abi_version = 1,
    .struct_size = sizeof(berth_driver),
    .name = "downfortest",
    .probe = backend_down,
    .start = fake_start,
    .wait = fake_wait,
    .kill = fake_kill,
    .state = fake_state,
    .destroy = fake_destroy,
};
FAKE_ENTRY_RETURNING(table)
