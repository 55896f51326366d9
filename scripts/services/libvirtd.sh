#!/bin/sh
# libvirtd.sh start|stop|status — run libvirtd for the libvirt driver's tests.
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

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if pid=$(running_pid); then echo "running (pid $pid)"; else echo "stopped"; exit 3; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
