#!/bin/sh
# libvirtd.sh start|stop|status — run libvirtd for the libvirt driver's tests.
# libvirtd.sh private-start DIR | private-stop DIR — a private libvirtd of
#   the test suite's own, beside the host's: its sockets in DIR/sock
#   (unix_sock_dir of DIR/libvirtd.conf), its /run/libvirt (the LXC
#   driver's state, its driver.pid lock, its domains' files) a bind of
#   DIR/run in a mount namespace of its own, its pid in DIR/libvirtd.pid.
#   private-start prints the two variables that point berth's libvirt
#   driver at it (BERTH_LIBVIRT_URI, BERTH_LIBVIRT_STATE_DIR). private-stop
#   destroys its domains and stops only that daemon.
#
# Idempotent: `start` on a running daemon only waits for its socket; `stop`
# on a stopped one succeeds. Installs nothing (scripts/packages/libvirt.txt
# lists the packages; the setup script installs them).
#
# Why the dance:
#  - Debian's libvirtd also loads the QEMU driver, whose start-up fails
#    without a `libvirt-qemu` user; /run/libvirt and /var/log/libvirt must
#    exist.
#  - On a hybrid cgroup layout (v1 controllers plus a cgroup2 mount at
#    /sys/fs/cgroup/unified) libvirt's LXC controller tries to create its
#    machine cgroup in the controller-less cgroup2 mount and fails ("Unable
#    to create directory /sys/fs/cgroup/unified/..."). We then start libvirtd
#    in a private mount namespace where that one mount is absent, so libvirt
#    sees a pure v1 layout. Pure v1 and pure v2 hosts need nothing special.
set -eu

PIDFILE=/run/libvirt/libvirtd.pid
SOCKET=/run/libvirt/libvirt-sock
URI=lxc:///system

log() { echo "libvirtd.sh: $*" >&2; }

running_pid() {
  [ -r "$PIDFILE" ] || return 1
  pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # A stale pid file can name a recycled pid: check it is libvirtd.
  [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = libvirtd ] || return 1
  echo "$pid"
}

socket_answers() {
  virsh -q -c "$URI" version >/dev/null 2>&1
}

# Hybrid = /sys/fs/cgroup is not itself cgroup2, but a cgroup2 is mounted at
# /sys/fs/cgroup/unified.
hybrid_cgroups() {
  [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ] &&
    [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]
}

prepare() {
  command -v libvirtd >/dev/null || { log "libvirtd not installed (see scripts/packages/libvirt.txt)"; exit 1; }
  mkdir -p /run/libvirt /var/log/libvirt /var/lib/libvirt /var/cache/libvirt
  if ! getent group libvirt-qemu >/dev/null; then groupadd --system libvirt-qemu; fi
  if ! getent passwd libvirt-qemu >/dev/null; then
    useradd --system --no-create-home --home-dir /var/lib/libvirt --shell /usr/sbin/nologin \
      -g libvirt-qemu libvirt-qemu
  fi
}

start() {
  if pid=$(running_pid); then
    log "already running (pid $pid)"
  else
    prepare
    rm -f "$PIDFILE"
    if hybrid_cgroups; then
      log "hybrid cgroup layout: starting libvirtd without /sys/fs/cgroup/unified in its mount namespace"
      unshare -m --propagation private sh -c \
        'umount /sys/fs/cgroup/unified && exec libvirtd -d --pid-file '"$PIDFILE"
    else
      libvirtd -d --pid-file "$PIDFILE"
    fi
  fi
  i=0
  while ! socket_answers; do
    i=$((i + 1))
    if [ $i -gt 100 ]; then
      log "libvirtd did not answer on $URI within 10 s"
      virsh -q -c "$URI" version >&2 || true
      exit 1
    fi
    sleep 0.1
  done
  log "libvirtd answers on $URI"
}

stop() {
  # Leave no domain behind: destroy every running LXC domain first.
  if socket_answers; then
    for dom in $(virsh -q -c "$URI" list --name 2>/dev/null); do
      log "destroying leftover domain $dom"
      virsh -q -c "$URI" destroy "$dom" >/dev/null 2>&1 || true
    done
  fi
  if pid=$(running_pid); then
    kill -TERM "$pid"
    i=0
    while kill -0 "$pid" 2>/dev/null; do
      i=$((i + 1))
      if [ $i -gt 100 ]; then
        log "libvirtd (pid $pid) ignored SIGTERM for 10 s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.1
    done
    log "stopped (pid $pid)"
  else
    log "not running"
  fi
  rm -f "$PIDFILE"
}

private_uri() { echo "lxc:///system?socket=$1/sock/libvirt-sock"; }

private_pid() {
  [ -r "$1/libvirtd.pid" ] || return 1
  pid=$(cat "$1/libvirtd.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = libvirtd ] || return 1
  echo "$pid"
}

private_start() {
  dir=${1:?usage: $0 private-start DIR}
  case "$dir" in /*) ;; *) dir=$(pwd)/$dir ;; esac
  if ! pid=$(private_pid "$dir"); then
    prepare
    mkdir -p "$dir/run" "$dir/sock"
    printf 'unix_sock_dir = "%s/sock"\n' "$dir" >"$dir/libvirtd.conf"
    rm -f "$dir/libvirtd.pid"
    # The host's /run/libvirt stays the host daemon's: LXC's state
    # directory is fixed at /run/libvirt/lxc, and a second daemon there
    # would fail on the first one's driver.pid lock (and load its domains).
    unshare -m --propagation private sh -c '
      mount --bind "$0/run" /run/libvirt || exit 1
      if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] &&
         [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
        umount /sys/fs/cgroup/unified
      fi
      exec libvirtd -d -f "$0/libvirtd.conf" --pid-file "$0/libvirtd.pid"' "$dir"
  fi
  i=0
  while ! virsh -q -c "$(private_uri "$dir")" version >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 100 ]; then log "private libvirtd in $dir did not answer within 10 s"; exit 1; fi
    sleep 0.1
  done
  echo "BERTH_LIBVIRT_URI=$(private_uri "$dir")"
  echo "BERTH_LIBVIRT_STATE_DIR=$dir/run/lxc"
}

private_stop() {
  dir=${1:?usage: $0 private-stop DIR}
  case "$dir" in /*) ;; *) dir=$(pwd)/$dir ;; esac
  uri=$(private_uri "$dir")
  if pid=$(private_pid "$dir"); then
    for dom in $(virsh -q -c "$uri" list --name 2>/dev/null); do
      virsh -q -c "$uri" destroy "$dom" >/dev/null 2>&1 || true
    done
    kill -TERM "$pid"
    i=0
    while kill -0 "$pid" 2>/dev/null; do
      i=$((i + 1))
      if [ $i -gt 100 ]; then kill -KILL "$pid" 2>/dev/null || true; break; fi
      sleep 0.1
    done
    log "private libvirtd in $dir stopped (pid $pid)"
  fi
  # Its mount namespace went with its last process; what is left is files.
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  private-start) private_start "${2:-}" ;;
  private-stop) private_stop "${2:-}" ;;
  status) if pid=$(running_pid); then echo "running (pid $pid)"; else echo "stopped"; exit 3; fi ;;
  *) echo "usage: $0 start|stop|status | private-start DIR | private-stop DIR" >&2; exit 2 ;;
esac
