#!/usr/bin/env bash
# bench/run.sh — start-to-exit time of /bin/true in the busybox rootfs: berth's
# drivers side by side with crun, runc, lxc-execute, virsh create, bwrap,
# unshare+chroot and a plain fork+exec. See bench/README.md.
#
# usage: bench/run.sh [BUILD_DIR] [--runs N] [--warmup N] [--rounds K]
#                     [--only ID,ID...] [--skip ID,ID...] [--results DIR] [--no-memory] [--list]
#   BUILD_DIR   default $BERTH_BUILD or /work/main/build; uses BUILD_DIR/rootfs,
#               BUILD_DIR/bin/berth and BUILD_DIR/lib/berth/drivers.
#   --runs N    timed runs per contender in total (default 30), split evenly
#               over the rounds.
#   --rounds K  the contenders are timed in K interleaved rounds (default 3)
#               so that load changes on a shared machine hit them alike.
#   --warmup N  untimed runs before each round (default 2).
#   --results DIR  where the JSON/markdown exports go (default
#               bench/results/runs/<UTC time>); the summary also goes to
#               bench/results/latest.md and stdout.
# Exit status: 0 when every selected contender ran and nothing was left
# behind; 1 otherwise (the table still shows what did run).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_LIB=$BENCH_DIR/lib
# shellcheck source=lib/common.sh
. "$BENCH_LIB/common.sh"
# shellcheck source=lib/oci-bundle.sh
. "$BENCH_LIB/oci-bundle.sh"
# shellcheck source=lib/lxc-config.sh
. "$BENCH_LIB/lxc-config.sh"
# shellcheck source=lib/libvirt-domain.sh
. "$BENCH_LIB/libvirt-domain.sh"
# shellcheck source=lib/contenders.sh
. "$BENCH_LIB/contenders.sh"
# shellcheck source=lib/summary.sh
. "$BENCH_LIB/summary.sh"

build=${BERTH_BUILD:-/work/main/build}
runs=30
rounds=3
warmup=2
only=""
skip=""
results=""
memory=1
libvirt_uri=${BERTH_BENCH_LIBVIRT_URI:-lxc:///system}

usage() { sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --rounds) rounds=${2:?--rounds needs a number}; shift 2 ;;
    --warmup) warmup=${2:?--warmup needs a number}; shift 2 ;;
    --only) only=${2:?--only needs a comma-separated list}; shift 2 ;;
    --skip) skip=${2:?--skip needs a comma-separated list}; shift 2 ;;
    --results) results=${2:?--results needs a directory}; shift 2 ;;
    --no-memory) memory=0; shift ;;
    --list) printf '%s\n' "${ALL_CONTENDERS[@]}"; exit 0 ;;
    -h | --help) usage; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) build=$1; shift ;;
  esac
done
for n in "$runs" "$rounds" "$warmup"; do
  [[ $n =~ ^[0-9]+$ ]] || die "--runs, --rounds and --warmup take whole numbers, got '$n'"
done
if [ "$rounds" -lt 1 ] || [ "$runs" -lt "$rounds" ]; then
  die "--runs ($runs) must be at least --rounds ($rounds) and --rounds at least 1"
fi
per_round=$(((runs + rounds - 1) / rounds))

[ "$(id -u)" = 0 ] || die "run as root: the runtimes create namespaces and cgroups"
build=$(cd "$build" 2>/dev/null && pwd) || die "build directory '$build' does not exist (pass BUILD_DIR or set BERTH_BUILD)"
rootfs=$build/rootfs
[ -x "$rootfs/bin/true" ] || die "no busybox rootfs at $rootfs: build it with cmake --build $build --target rootfs"

selected=()
if [ -n "$only" ]; then
  IFS=, read -r -a selected <<< "$only"
  for id in "${selected[@]}"; do
    printf '%s\n' "${ALL_CONTENDERS[@]}" | grep -qx -- "$id" ||
      die "--only: unknown contender '$id'; known: ${ALL_CONTENDERS[*]}"
  done
else
  selected=("${ALL_CONTENDERS[@]}")
fi
if [ -n "$skip" ]; then
  IFS=, read -r -a skipped <<< "$skip"
  kept=()
  for id in "${selected[@]}"; do
    printf "%s\n" "${skipped[@]}" | grep -qx -- "$id" || kept+=("$id")
  done
  for id in "${skipped[@]}"; do
    printf "%s\n" "${ALL_CONTENDERS[@]}" | grep -qx -- "$id" ||
      die "--skip: unknown contender '$id'; known: ${ALL_CONTENDERS[*]}"
  done
  selected=("${kept[@]}")
  [ ${#selected[@]} -gt 0 ] || die "--skip left no contender to run"
fi

require_tools hyperfine jq unshare
[ "$memory" = 1 ] && require_tools /usr/bin/time

work=$(mktemp -d /tmp/berth-bench.XXXXXX)
prefix=berth-bench-$$
started_libvirtd=0
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  cleanup_contenders "$work" "$build" "$prefix" "$libvirt_uri"
  if [ "$started_libvirtd" = 1 ]; then
    "$BENCH_DIR/../scripts/services/libvirtd.sh" stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

setup_contenders "$work" "$build" "$prefix" "$libvirt_uri"

tools=()
for id in "${selected[@]}"; do
  # shellcheck disable=SC2206
  tools+=(${CONTENDER_TOOLS[$id]})
done
[ ${#tools[@]} -eq 0 ] || require_tools "${tools[@]}"

# libvirt: use the running daemon; start it with the project's script when it
# is not running (and stop it again at the end).
if printf '%s\n' "${selected[@]}" | grep -qx -e virsh-create -e berth-libvirt; then
  if ! libvirtd_answers "$libvirt_uri"; then
    starter=$BENCH_DIR/../scripts/services/libvirtd.sh
    if [ -x "$starter" ] && "$starter" start >&2; then
      started_libvirtd=1
    fi
    if ! libvirtd_answers "$libvirt_uri"; then
      for id in virsh-create berth-libvirt; do
        CONTENDER_BROKEN[$id]="libvirtd does not answer on $libvirt_uri (start it with scripts/services/libvirtd.sh start)"
      done
    fi
  fi
fi

if [ -z "$results" ]; then
  results=$BENCH_DIR/results/runs/$(date -u +%Y%m%dT%H%M%SZ)
fi
mkdir -p "$results"
results=$(cd "$results" && pwd)

# run_in_ns ID CMD...: runs CMD where contender ID must run.
run_in_ns() {
  local id=$1
  shift
  if [ "${CONTENDER_NS[$id]}" = nocg2 ]; then
    without_cgroup2_mount "$@"
  else
    "$@"
  fi
}

# last_line FILE: the last non-empty line of a log, for the table.
last_line() {
  local line
  line=$(grep -v "^\s*$" "$1" | tail -n 1 | cut -c1-200 || true)
  echo "${line:-(no output)}"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# Preflight: one untimed run each, so a broken contender fails clearly with
# its own error message instead of hyperfine's.
for id in "${selected[@]}"; do
  rm -f "$results/$id".round* "$results/$id".json "$results/$id".rss
  [ -z "${CONTENDER_BROKEN[$id]:-}" ] || continue
  rc=0
  # shellcheck disable=SC2086 # the command is split into words on purpose
  run_in_ns "$id" ${CONTENDER_CMD[$id]} > "$results/$id.preflight.log" 2>&1 || rc=$?
  if [ "$rc" != 0 ]; then
    CONTENDER_BROKEN[$id]="exit $rc: $(last_line "$results/$id.preflight.log")"
  fi
done
for id in "${selected[@]}"; do
  if [ -n "${CONTENDER_BROKEN[$id]:-}" ]; then
    log "$id: FAILED: ${CONTENDER_BROKEN[$id]}"
  fi
done

for round in $(seq 1 "$rounds"); do
  for id in "${selected[@]}"; do
    [ -z "${CONTENDER_BROKEN[$id]:-}" ] || continue
    log "round $round/$rounds: $id"
    if ! run_in_ns "$id" hyperfine -N --style basic --warmup "$warmup" --runs "$per_round" \
      --command-name "$id" --export-json "$results/$id.round$round.json" \
      --export-markdown "$results/$id.round$round.md" "${CONTENDER_CMD[$id]}" \
      > "$results/$id.round$round.log" 2>&1; then
      CONTENDER_BROKEN[$id]="failed in round $round: $(last_line "$results/$id.round$round.log")"
      log "$id: FAILED: ${CONTENDER_BROKEN[$id]}"
    fi
  done
done

# Peak RSS: GNU time reports the largest resident set of the process tree
# it waited for (for berth that is the `berth run` monitor).
declare -A RSS
if [ "$memory" = 1 ]; then
  for id in "${selected[@]}"; do
    [ -z "${CONTENDER_BROKEN[$id]:-}" ] || continue
    [ "$id" = virsh-create ] && continue # a client; the work is in libvirtd
    # shellcheck disable=SC2086
    if run_in_ns "$id" /usr/bin/time -f %M -o "$results/$id.rss" ${CONTENDER_CMD[$id]} > /dev/null 2>&1; then
      RSS[$id]=$(awk '{ printf "%.1f", $1 / 1024 }' "$results/$id.rss")
    fi
  done
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

declare -A RAN
for id in "${selected[@]}"; do
  [ -z "${CONTENDER_BROKEN[$id]:-}" ] || continue
  merge_rounds "$results/$id.json" "$results/$id".round*.json
  RAN[$id]=1
done

# mean_ms ID: the mean in ms, unrounded; empty when ID did not run.
mean_ms() {
  if [ -n "${RAN[$1]:-}" ]; then
    jq -r ".mean * 1000" "$results/$1.json"
  fi
}
crun_ms=$(mean_ms crun)

leftover=$(leftovers "$work" "$prefix" "$libvirt_uri" "$build/bin/berth" || true)
cleanup_contenders "$work" "$build" "$prefix" "$libvirt_uri"

summary=$results/summary.md
{
  echo "# berth start-to-exit benchmark: /bin/true in the busybox rootfs"
  echo
  echo "- when: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git -C "$BENCH_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- machine: $(uname -r), $(nproc) cores; load average $load_before before, $load_after after"
  echo "- cgroups: $(if hybrid_cgroups; then echo "hybrid (crun runs in a mount namespace without /sys/fs/cgroup/unified)"; elif [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then echo v2; else echo v1; fi)"
  echo "- hyperfine -N, $rounds interleaved rounds × $per_round runs (+$warmup warm-up each) per contender; build $build"
  echo
  echo "| contender | mean ± σ (ms) | median (ms) | min (ms) | × crun | peak RSS (MiB) |"
  echo "| --- | --- | --- | --- | --- | --- |"
  for id in "${selected[@]}"; do
    if [ -n "${CONTENDER_BROKEN[$id]:-}" ]; then
      echo "| $id | FAILED: ${CONTENDER_BROKEN[$id]//|/\\|} | | | | |"
      continue
    fi
    f=$results/$id.json
    echo "| $id | $(stat_ms "$f" mean) ± $(stat_ms "$f" stddev) | $(stat_ms "$f" median) | $(stat_ms "$f" min) | $(ratio "$(mean_ms "$id")" "$crun_ms") | ${RSS[$id]:-n/a} |"
  done
  echo
  echo "| contender | isolation it includes |"
  echo "| --- | --- |"
  for id in "${selected[@]}"; do
    echo "| $id | ${CONTENDER_ISO[$id]} |"
  done
  echo
  echo "| goal | ratio of means | target | met |"
  echo "| --- | --- | --- | --- |"
  goal_line "berth-native / crun" "$(ratio "$(mean_ms berth-native)" "$crun_ms")" 0.5
  goal_line "berth-lxc / lxc-execute" "$(ratio "$(mean_ms berth-lxc)" "$(mean_ms lxc-execute)")" 1.0
  goal_line "berth-libvirt / virsh-create" "$(ratio "$(mean_ms berth-libvirt)" "$(mean_ms virsh-create)")" 1.0
  echo
  if [ -n "$leftover" ]; then
    echo "Left behind after the run (a bug in that contender):"
    while IFS= read -r line; do echo "- $line"; done <<< "$leftover"
  else
    echo "Nothing left behind (no container, domain, cgroup, mount or process with the run's names)."
  fi
} > "$summary"

mkdir -p "$BENCH_DIR/results"
cp "$summary" "$BENCH_DIR/results/latest.md"
cat "$summary"
log "exports in $results; summary also in $BENCH_DIR/results/latest.md"

status=0
for id in "${selected[@]}"; do
  [ -z "${CONTENDER_BROKEN[$id]:-}" ] || status=1
done
[ -z "$leftover" ] || status=1
exit $status
