#!/bin/sh
# How well the longest-first assignment packs every suite of evals/ at 64, 256 and 1024 ranks,
# against the lower bound of any assignment, max(total / ranks, the largest unit) (titans-eval
# --dry-run --ranks: plans, launches nothing). Markdown on stdout.
#
#   scripts/schedule_report.sh > results/schedule/schedule.md      (from the build folder)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
DATA=${DATA:-$src/../shared/datasets}
EVAL=${EVAL:-./titans-eval}
RANKS=${RANKS:-64,256,1024}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "# The schedule at scale"
echo
echo "\`scripts/schedule_report.sh\` (\`titans-eval -s SUITE -d DATA --dry-run --ranks $RANKS\`), commit"
echo "$(cd "$src" && git rev-parse --short HEAD 2>/dev/null || echo unknown). Cost in the plan's estimated FLOP; each cell is the"
echo "longest-first makespan over the bound max(total / ranks, largest unit); * where one unit is the bound."
echo
printf '| suite | units | total FLOP | largest unit |'
for n in $(echo "$RANKS" | tr ',' ' '); do printf ' %s ranks |' "$n"; done
printf '\n|---|---:|---:|---:|'
for n in $(echo "$RANKS" | tr ',' ' '); do printf -- '---:|'; done
echo
for ini in "$src"/evals/*.ini; do
  s=$(basename "$ini" .ini)
  # a suite this data folder cannot plan gets a row saying so (tasks marked without-data = skip
  # whose files it lacks are left out of the plan, not a failure)
  if ! "$EVAL" -s "$s" -d "$DATA" --dry-run --ranks "$RANKS" --progress none -o "$tmp/$s" > "$tmp/$s.log" 2>&1; then
    why=$(grep -m1 '^titans-eval: ' "$tmp/$s.log" | sed "s/^titans-eval: //; s/^[^ ]*: \[task\.[^]]*\] //; s|$DATA|DATA|g; s/|/\\\\|/g" | cut -c1-160)
    echo "| $s | not planned with this data folder: ${why:-titans-eval failed} | | |"
    continue
  fi
  awk -v s="$s" '
    /^titans-eval: suite / { for (i = 1; i <= NF; i++) if ($(i + 1) == "units") units = $i }
    /^  schedule at / { n++; split($0, a, "largest unit "); split(a[2], b, ")"); largest = b[1]
      sub(/.*lower bound /, "", a[1]); total_per = a[1]; sub(/.*total \/ ranks /, "", total_per); sub(/,.*/, "", total_per)
      ranks = $3; if (n == 1) total = total_per * ranks
      x = $0; sub(/.*: /, "", x); sub(/ x the bound.*/, "", x); cell[n] = x (index($0, "one unit is the bound") ? "*" : "") }
    END { printf "| %s | %s | %.3g | %s |", s, units, total, largest; for (i = 1; i <= n; i++) printf " %s |", cell[i]; printf "\n" }' "$tmp/$s.log"
done
