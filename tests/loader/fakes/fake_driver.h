/* Calls shared by the fake drivers of the loader tests. Each fake is one
 * small .c file that builds a table from these, broken in one way. They do
 * no isolation at all: they only answer so that the loader's dispatch can be
 * checked. */
#ifndef BERTH_TESTS_FAKE_DRIVER_H
#define BERTH_TESTS_FAKE_DRIVER_H

#include <berth/driver.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define FAKE_UNUSED __attribute__((unused))
#define FAKE_PID 4242
#define FAKE_PROCESS_COUNT 100 /* more than the loader's first buffer (64) */

static FAKE_UNUSED int32_t fake_fail(berth_error *err, int32_t code, const char *message) {
  err->code = code;
  err->sys_errno = 0;
  snprintf(err->message, sizeof err->message, "%s", message);
  return code;
}

static FAKE_UNUSED int32_t fake_probe(char *info, size_t info_size, berth_error *err) {
  (void)err;
  snprintf(info, info_size, "fake backend 1.0");
  return BERTH_OK;
}

/* Refuses a spec without args, as a real driver would, so a test can see the
 * driver's message come back. */
static FAKE_UNUSED int32_t fake_start(const berth_container *c, const berth_spec *spec,
                                      const berth_stdio *stdio, berth_start_result *out,
                                      berth_error *err) {
  (void)c;
  (void)stdio;
  if (spec->args_count == 0) return fake_fail(err, BERTH_E_INVALID, "start: no args to run");
  out->pid = FAKE_PID;
  return BERTH_OK;
}

static FAKE_UNUSED int32_t fake_wait(const berth_container *c, berth_exit_status *out,
                                     berth_error *err) {
  (void)c;
  (void)err;
  out->exit_code = 7;
  out->signal = 0;
  out->flags = 0;
  return BERTH_OK;
}

static FAKE_UNUSED int32_t fake_kill(const berth_container *c, int32_t signal, berth_error *err) {
  char message[256];
  snprintf(message, sizeof message, "kill(%s, %d): No such process", c->id, (int)signal);
  err->sys_errno = 3; /* ESRCH */
  err->code = BERTH_E_SYSTEM;
  snprintf(err->message, sizeof err->message, "%s", message);
  return BERTH_E_SYSTEM;
}

/* Reports FAKE_PROCESS_COUNT pids 1..N, asking for a bigger buffer first. */
static FAKE_UNUSED int32_t fake_pids(const berth_container *c, int64_t *pids, uint32_t capacity,
                                     uint32_t *count, berth_error *err) {
  (void)c;
  *count = FAKE_PROCESS_COUNT;
  if (capacity < FAKE_PROCESS_COUNT) return fake_fail(err, BERTH_E_RANGE, "pids: buffer too small");
  for (uint32_t i = 0; i < FAKE_PROCESS_COUNT; ++i) pids[i] = (int64_t)i + 1;
  return BERTH_OK;
}

static FAKE_UNUSED int32_t fake_state(const berth_container *c, berth_container_state *out,
                                      berth_error *err) {
  (void)c;
  (void)err;
  out->state = BERTH_STATE_RUNNING;
  out->pid = FAKE_PID;
  return BERTH_OK;
}

static FAKE_UNUSED int32_t fake_destroy(const berth_container *c, berth_error *err) {
  (void)c;
  (void)err;
  return BERTH_OK;
}

/* The optional exit_fd call: a pipe whose write end is already closed, so
 * the descriptor is readable at once, as a real one is once the container
 * has exited. */
static FAKE_UNUSED int32_t fake_exit_fd(const berth_container *c, int32_t *fd, berth_error *err) {
  (void)c;
  int p[2];
  if (pipe(p) != 0) return fake_fail(err, BERTH_E_SYSTEM, "exit_fd: pipe failed");
  close(p[1]);
  *fd = p[0];
  return BERTH_OK;
}

/* The members of a complete, valid version-1 table named NAME whose
 * struct_size is SIZE, for tables that add or cut members. */
#define FAKE_FIELDS(NAME, SIZE)                                                    \
  .abi_version = 1, .struct_size = (SIZE), .name = (NAME), .version = "1.0",       \
  .description = "a fake driver for the loader tests",                             \
  .features = BERTH_FEATURE_PIDS_LISTING | BERTH_FEATURE_LIMIT_MEMORY,             \
  .default_network = BERTH_NETWORK_NONE, .probe = fake_probe, .start = fake_start, \
  .wait = fake_wait, .kill = fake_kill, .pids = fake_pids, .state = fake_state,    \
  .destroy = fake_destroy

/* A complete, valid version-1 table named NAME. */
#define FAKE_TABLE(NAME) \
  { FAKE_FIELDS((NAME), sizeof(berth_driver)) }

/* The entry point of a fake that always answers TABLE, version 1. */
#define FAKE_ENTRY_RETURNING(TABLE)                                                          \
  BERTH_DRIVER_EXPORT const berth_driver *berth_driver_entry(uint32_t core_abi_version,      \
                                                             uint32_t *driver_abi_version) { \
    (void)core_abi_version;                                                                  \
    *driver_abi_version = 1;                                                                 \
    return &(TABLE);                                                                         \
  }

#endif
