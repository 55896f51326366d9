/*
 * Docker's masked and read-only paths (moby oci/defaults.go), the one list
 * every driver applies for BERTH_FEATURE_MASKED_PATHS: a masked path gets
 * an empty read-only tmpfs (directory) or /dev/null (file) over it; a
 * read-only path is bound onto itself read-only. Plain C, so the static
 * init binaries (drivers/libvirt/init) include it as the drivers do.
 */
#ifndef BERTH_SDK_DOCKER_PATHS_H
#define BERTH_SDK_DOCKER_PATHS_H

static const char *const berth_masked_paths[] = {
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
};

static const char *const berth_readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

#endif /* BERTH_SDK_DOCKER_PATHS_H */
