#!/bin/sh
# Trains every checkpoint of scripts/train/recipes.py, JOBS at a time (one per core, one torch
# thread each), cheapest family first. Finished checkpoints are skipped and a killed recipe
# resumes from its last saved state, so the same command picks up where a run stopped.
#
#   scripts/train/train_all.sh [FAMILY ...]        (default: forecast genomics sniah babilong)
#
# Environment: PYTHON (default /usr/bin/python3, Debian's torch), TITANS_DATA (datasets folder,
# default ../shared/datasets), TOOL (titans-data, default ./titans-data then _build/titans-data),
# OUT (default checkpoints), JOBS (default 2). Each recipe logs to OUT/<family>/<name>.log.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
TITANS_DATA=${TITANS_DATA:-../shared/datasets}
OUT=${OUT:-checkpoints}
JOBS=${JOBS:-2}
if [ -z "${TOOL:-}" ]; then
    for t in ./titans-data _build/titans-data; do [ -x "$t" ] && TOOL=$t && break; done
fi
[ -x "${TOOL:-}" ] || { echo "train_all.sh: no titans-data: build it (make) or set TOOL" >&2; exit 2; }
[ -d "$TITANS_DATA" ] || { echo "train_all.sh: $TITANS_DATA: no datasets folder (set TITANS_DATA)" >&2; exit 2; }
[ $# -gt 0 ] || set -- forecast genomics sniah babilong
for family in "$@"; do
    "$PYTHON" "$HERE/train.py" --list | sed -n "s|^\($family/[^:]*\):.*|\1|p"
done | xargs -P "$JOBS" -I{} "$PYTHON" "$HERE/train.py" --recipe {} --out "$OUT" \
    --data-dir "$TITANS_DATA" --tool "$TOOL"
