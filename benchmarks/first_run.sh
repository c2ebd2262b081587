#!/bin/bash
# From a fresh clone to a first answer, step by step, as a new user meets it: `make setup` (what
# running needs), `make index` (the first build, into an empty index folder), then `mentor serve`
# until its warm-up has answered a question ("Mentor is ready"). Prints each step's seconds and the
# machine's load average, which decides most of them on a shared machine.
#
#   benchmarks/first_run.sh [SOURCE [BRANCH]]    # SOURCE: a git repository (default: this checkout)
#
# pip's cache is off, so packages are fetched as on a new machine. Needs bc and make.
set -euo pipefail
source_repo=${1:-$(cd "$(dirname "$0")/.." && pwd)}
branch=${2:-$(git -C "$source_repo" rev-parse --abbrev-ref HEAD)}
work=$(mktemp -d)
trap 'kill "${pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
git clone -q --branch "$branch" "$source_repo" "$work/mentor"
cd "$work/mentor"
export PIP_NO_CACHE_DIR=1 HF_HUB_OFFLINE=1
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
now() { date +%s.%N; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "clone of $source_repo ($branch) in $work; load average $(load)"

t0=$(now)
make setup > setup.log 2>&1 || { tail -20 setup.log; exit 1; }
t1=$(now)
printf '%-40s %8.0f s   load %s\n' "make setup (run extras only)" "$(echo "$t1 - $t0" | bc)" "$(load)"

make index > index.log 2>&1 || { tail -20 index.log; exit 1; }
t2=$(now)
printf '%-40s %8.0f s   load %s   %s\n' "make index (first build)" "$(echo "$t2 - $t1" | bc)" "$(load)" "$(tail -1 index.log | cut -d'-' -f1)"

.venv/bin/mentor serve --port "$port" > serve.log 2>&1 &
pid=$!
until grep -q "Mentor is ready" serve.log; do
  kill -0 "$pid" 2>/dev/null || { cat serve.log; exit 1; }
  sleep 0.5
done
t3=$(now)
printf '%-40s %8.0f s   load %s\n' "mentor serve until \"Mentor is ready\"" "$(echo "$t3 - $t2" | bc)" "$(load)"
printf '%-40s %8.0f s\n' "fresh clone to a first answer" "$(echo "$t3 - $t0" | bc)"
