/* A driver built before exit_fd was appended: its table ends before the
 * member. The pointer set here lies past struct_size and must read as
 * absent (a real old driver has whatever bytes follow its table there). */
#include <stddef.h>

#include "fake_driver.h"

static const berth_driver table = {FAKE_FIELDS("before_exit_fd", offsetof(berth_driver, exit_fd)),
                                   .exit_fd = fake_exit_fd};
FAKE_ENTRY_RETURNING(table)
