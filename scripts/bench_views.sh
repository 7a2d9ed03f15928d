#!/usr/bin/env bash
# Regenerates the "## Views at scale (issue 15)" section of docs/benchmarks.md: the caseload of
# an officer with 60 people, the dashboard of a team of 12 officers with 700 people each and the
# commissioning report over 10,000 referrals, on SQLite, against the targets of issue 15
# (50 ms, 50 ms, 1 s), with GET /health/live as the framework floor.
#   scripts/bench_views.sh                      # 50 timed requests per view
#   BENCH_REQUESTS=20 scripts/bench_views.sh
# Duration: the release build, then seeding 10,000 people and referrals through the API (about
# 55,000 requests: 1 to 3 minutes on 2 shared cores) and the timed requests (seconds).
# scripts/bench.sh rewrites docs/benchmarks.md from scratch: run this one after it.
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS="${BENCH_REQUESTS:-50}"
CLIENTS="${BENCH_CLIENTS:-32}"
OUT=docs/benchmarks.md

cargo build --release --bins --locked
BIN="${CARGO_TARGET_DIR:-target}/release"
work="$(mktemp -d /tmp/rarlink-bench-views.XXXXXX)"
trap 'rm -rf "$work"' EXIT
load="$(cut -d' ' -f1-3 /proc/loadavg)"
started=$(date +%s)
"$BIN"/rarlink-bench --mode views --database "$work/views.db" --requests "$REQUESTS" \
  --concurrency "$CLIENTS" --markdown "$work/section.md"
{
  echo "Machine: $(nproc) cores shared with other builds, load average when the run started: $load;"
  echo "$(rustc --version); git $(git rev-parse --short HEAD); $(date -u +%Y-%m-%d);"
  echo "the whole run (seeding and timing, after the build) took $(($(date +%s) - started)) s."
  echo
} >> "$work/section.md"
# Replace the section (from its heading to the next "## " heading) or append it.
python3 - "$OUT" "$work/section.md" <<'PY'
import sys
out, section = sys.argv[1], open(sys.argv[2]).read().rstrip("\n") + "\n\n"
lines = open(out).read().splitlines(keepends=True)
head = "## Views at scale (issue 15)"
try:
    start = next(i for i, l in enumerate(lines) if l.rstrip() == head)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    lines[start:end] = [section]
except StopIteration:
    if lines and lines[-1].strip():
        lines.append("\n")
    lines.append(section)
open(out, "w").write("".join(lines))
PY
echo "wrote the views section of $OUT"
