# shellcheck shell=bash
# Turns hyperfine's JSON exports into one statistics file per contender and
# the markdown summary table.

# merge_rounds OUT_JSON IN_JSON...: pools the times of every round of one
# contender (rounds interleave the contenders so that a load change on this
# shared machine hits all of them alike) and computes the statistics.
merge_rounds() {
  local out=$1
  shift
  jq -s '
    [.[].results[0]] as $r
    | ([$r[].times[]] | sort) as $t
    | ($t | length) as $n
    | ($t | add / $n) as $mean
    | {
        command: $r[0].command,
        runs: $n,
        mean: $mean,
        stddev: (if $n > 1 then ([$t[] | (. - $mean) * (. - $mean)] | add / ($n - 1) | sqrt) else 0 end),
        median: (if $n % 2 == 1 then $t[($n - 1) / 2] else ($t[$n / 2 - 1] + $t[$n / 2]) / 2 end),
        min: $t[0],
        max: $t[$n - 1],
        user: ([$r[].user] | add / length),
        system: ([$r[].system] | add / length),
        times: $t
      }' "$@" > "$out"
}

# stat_ms STATS_JSON FIELD: prints the field in milliseconds (1 decimal).
stat_ms() {
  jq -r --arg f "$2" '.[$f] * 1000 | . * 10 | round / 10' "$1"
}

# ratio A B: A / B with two decimals, "n/a" when either is missing.
ratio() {
  if [ -z "$1" ] || [ -z "$2" ]; then
    echo n/a
  else
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
  fi
}

# goal_line LABEL RATIO TARGET: a row of the goals table.
goal_line() {
  local label=$1 value=$2 target=$3 met
  if [ "$value" = n/a ]; then
    met="not measured"
  elif awk -v v="$value" -v t="$target" 'BEGIN { exit !(v <= t) }'; then
    met=yes
  else
    met=no
  fi
  echo "| $label | $value | ≤ $target | $met |"
}
