/* A valid driver with the optional exit_fd call. */
#include "fake_driver.h"

static const berth_driver table = {FAKE_FIELDS("with_exit_fd", sizeof(berth_driver)),
                                   .exit_fd = fake_exit_fd};
FAKE_ENTRY_RETURNING(table)
