#!/usr/bin/env bash
# bench/profile.sh — where does `berth run -- /bin/true` spend its time?
#
# usage: bench/profile.sh [BUILD_DIR] [--driver NAME] [--loops N] [--out DIR]
#   BUILD_DIR  default $BERTH_BUILD or /work/main/build
#   --driver   exec driver to profile (default native)
#   --loops    runs for perf stat / perf record (default 50)
#   --out      where the reports go (default bench/results/profile/<UTC time>)
#
# It runs the same command bench/run.sh times for that driver and writes:
#   strace-summary.txt   strace -c -f: syscalls by count and kernel time,
#                        all processes of the run (monitor, driver, container)
#   strace-timeline.txt  strace -f -ttt -T: every syscall with its duration;
#                        slowest.txt lists the 25 slowest calls, gaps.txt the 25
#                        longest stretches between one process's syscalls,
#                        phases.txt berth-exec -> /bin/true-exec -> end
#   perf-stat.txt        perf stat over --loops runs: task-clock, context
#                        switches, migrations, page faults (this VM has no
#                        hardware counters, so no cycles/instructions)
#   perf-report.txt      perf record -g (cpu-clock sampling) over --loops
#                        runs, the hottest symbols, user and kernel
# strace slows every syscall down, so read its times relatively; perf's
# sampling does not.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
. "$BENCH_DIR/lib/common.sh"

build=${BERTH_BUILD:-/work/main/build}
driver=native
loops=50
out=""
while [ $# -gt 0 ]; do
  case $1 in
    --driver) driver=${2:?--driver needs a name}; shift 2 ;;
    --loops) loops=${2:?--loops needs a number}; shift 2 ;;
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    -h | --help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) build=$1; shift ;;
  esac
done
[[ $loops =~ ^[1-9][0-9]*$ ]] || die "--loops takes a positive whole number, got '$loops'"
[ "$(id -u)" = 0 ] || die "run as root"
require_tools strace perf

build=$(cd "$build" 2>/dev/null && pwd) || die "build directory '$build' does not exist"
berth=$build/bin/berth
rootfs=$build/rootfs
[ -x "$berth" ] || die "$berth not built (cmake --build $build --target berth)"
[ -e "$build/lib/berth/drivers/$driver.so" ] || die "driver $driver not built ($build/lib/berth/drivers/$driver.so missing)"
[ -x "$rootfs/bin/true" ] || die "no rootfs at $rootfs (cmake --build $build --target rootfs)"

case $driver in
  native | lxc) limits=(--network none -m 64m --pids-limit 64) ;;
  libvirt) limits=(--network none -m 64m) ;;
  *) limits=() ;;
esac

out=${out:-$BENCH_DIR/results/profile/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
state=$(mktemp -d /tmp/berth-profile.XXXXXX)
trap 'rm -rf "$state"' EXIT

cmd=("$berth" --root "$state" run --exec-driver="$driver" --rootfs "$rootfs" "${limits[@]}" --rm -- /bin/true)
log "profiling: ${cmd[*]}"
"${cmd[@]}" || die "the command itself fails (exit $?); fix that first"

strace -c -f -o "$out/strace-summary.txt" "${cmd[@]}"
strace -f -ttt -T -o "$out/strace-timeline.txt" "${cmd[@]}"
# The slowest calls: the duration is the last field, <seconds>.
awk '{ d = $NF; gsub(/[<>]/, "", d); if (d ~ /^[0-9.]+$/) print d, $0 }' "$out/strace-timeline.txt" |
  sort -rn | awk "NR <= 25" | cut -d' ' -f2- > "$out/slowest.txt"
# Phases: from berth's exec to the container's exec of /bin/true, and on to
# the last syscall of the run.
awk 'NR == 1 { t0 = $2 } /execve\("\/bin\/true"/ && !x { x = $2 } { t = $2 }
  END { if (x) printf "berth exec -> /bin/true exec: %.1f ms\n/bin/true exec -> end of run: %.1f ms\n", (x - t0) * 1000, (t - x) * 1000
        else printf "no execve of /bin/true seen; whole run %.1f ms\n", (t - t0) * 1000 }' \
  "$out/strace-timeline.txt" > "$out/phases.txt"
# The longest stretches a process spent between two of its own syscalls:
# user-space work (seccomp compilation, relocations, YAML, ...) or waiting
# for a CPU. On a loaded machine these are mostly the latter.
awk '
  $3 == "+++" || $3 == "---" { next }
  { pid = $1; t = $2; d = $NF; gsub(/[<>]/, "", d); if (d !~ /^[0-9.]+$/) d = 0 }
  $3 == "<..." { last[pid] = t; next }            # a resumed call ends at its stamp
  { if (pid in last) printf "%.2f ms pid %s before: %s\n", (t - last[pid]) * 1000, pid, substr($0, index($0, $3), 120)
    last[pid] = t + d }' \
  "$out/strace-timeline.txt" | sort -rn | awk "NR <= 25" > "$out/gaps.txt"

loop="for i in \$(seq $loops); do $(printf '%q ' "${cmd[@]}") || exit 1; done"
perf stat -e task-clock,context-switches,cpu-migrations,page-faults -o "$out/perf-stat.txt" -- sh -c "$loop"
perf record -q -g -F 10000 -o "$out/perf.data" -- sh -c "$loop" 2>/dev/null
perf report -i "$out/perf.data" --stdio --no-children --sort comm,dso,symbol -g none --percent-limit 1 \
  > "$out/perf-report.txt" 2>/dev/null
rm -f "$out/perf.data"

{
  echo "== strace -c -f (top 20 by time) =="
  head -n 22 "$out/strace-summary.txt"
  echo
  echo "== phases (strace -ttt, slowed by strace) =="
  cat "$out/phases.txt"
  echo
  echo "== 10 longest gaps between a process's syscalls (user-space work or waiting for a CPU) =="
  head -n 10 "$out/gaps.txt"
  echo
  echo "== 10 slowest syscalls (strace -T) =="
  head -n 10 "$out/slowest.txt"
  echo
  echo "== perf stat over $loops runs =="
  grep -E 'task-clock|context-switches|migrations|page-faults|elapsed' "$out/perf-stat.txt"
  echo
  echo "== perf report: hottest symbols (self) =="
  grep -E "^ +[0-9]" "$out/perf-report.txt" | sed "s/[ -]*$//" | awk "NR <= 25"
} | tee "$out/summary.txt"
log "reports in $out"
