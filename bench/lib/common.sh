# shellcheck shell=bash
# Small helpers shared by bench/run.sh and bench/profile.sh.

log() { echo "bench: $*" >&2; }
die() {
  echo "bench: error: $*" >&2
  exit 1
}

# The Debian package that ships each tool the benchmark runs.
declare -A BENCH_TOOL_PACKAGE=(
  [hyperfine]=hyperfine
  [jq]=jq
  [crun]=crun
  [runc]=runc
  [lxc-execute]=lxc
  [lxc-ls]=lxc
  [bwrap]=bubblewrap
  [virsh]=libvirt-clients
  [unshare]=util-linux
  [chroot]=coreutils
  [/usr/bin/time]=time
  [strace]=strace
  [perf]=linux-perf
)

# require_tools TOOL...: dies naming every missing tool and its package.
require_tools() {
  local missing=() packages=() tool
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      missing+=("$tool")
      packages+=("${BENCH_TOOL_PACKAGE[$tool]:-?}")
    fi
  done
  if [ ${#missing[@]} -gt 0 ]; then
    die "missing tools: ${missing[*]}; install them with: apt-get install -y $(printf '%s\n' "${packages[@]}" | sort -u | tr '\n' ' ')(the list is scripts/packages/bench.txt)"
  fi
}

# Hybrid cgroups: /sys/fs/cgroup is not itself cgroup2 but a cgroup2 is
# mounted at /sys/fs/cgroup/unified. Debian's crun 1.8 refuses that layout.
hybrid_cgroups() {
  [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ] &&
    [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]
}

# without_cgroup2_mount CMD...: runs CMD in a private mount namespace from
# which the hybrid layout's cgroup2 mount is gone, so crun sees pure v1.
# On pure v1 or v2 hosts it runs CMD as is. The unshare happens once around
# the whole hyperfine run, so its cost is not in the measured times.
without_cgroup2_mount() {
  if hybrid_cgroups; then
    unshare -m --propagation private -- sh -c 'umount /sys/fs/cgroup/unified && exec "$@"' sh "$@"
  else
    "$@"
  fi
}
