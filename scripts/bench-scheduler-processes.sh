#!/bin/sh
# Process-per-case comparison of `pacer simulate -S -x FILE` with
# `crm_simulate -S -x FILE` over the cases of Pacemaker's scheduler corpus:
# each tool is started once per case (as a user or the conformance tool runs
# it), one after the other, and the wall time of the whole sweep is printed.
#
#   scripts/bench-scheduler-processes.sh [PACER] [CORPUS] [LIMIT]
#
# PACER defaults to target/release/pacer, CORPUS to $PACER_CORPUS or
# ../shared/scheduler-corpus, LIMIT (first N cases of tests.tsv) to all.
# The in-process figure for comparison is `pacer bench scheduler`.
# Like Pacemaker's suite and the conformance tool, -S runs get no extra
# arguments from tests.tsv (those belong to the score runs).
set -eu
pacer=${1:-target/release/pacer}
corpus=${2:-${PACER_CORPUS:-../shared/scheduler-corpus}}
limit=${3:-100000}
[ -x "$pacer" ] || { echo "no pacer binary at $pacer (cargo build --release -p pacer)" >&2; exit 1; }
[ -f "$corpus/tests.tsv" ] || { echo "no corpus at $corpus (give it as 2nd argument or in PACER_CORPUS)" >&2; exit 1; }
command -v crm_simulate >/dev/null || { echo "crm_simulate is not installed (Debian: pacemaker-cli-utils)" >&2; exit 1; }

list=$(mktemp)
trap 'rm -f "$list"' EXIT
tail -n +2 "$corpus/tests.tsv" | cut -f1 | grep -v '^$' | head -n "$limit" > "$list"
cases=$(wc -l < "$list")

now_ms() { date +%s%3N; }

sweep() { # name command...
    name=$1; shift
    start=$(now_ms)
    while read -r c; do
        "$@" -S -x "$corpus/xml/$c.xml" > /dev/null 2>&1 || true
    done < "$list"
    end=$(now_ms)
    ms=$((end - start))
    echo "$name: $cases cases in $ms ms, $((cases * 1000 * 1000 / (ms > 0 ? ms : 1) / 1000)) cases/s, $((ms * 1000 / cases)) us per case" >&2
    echo "$ms"
}

pacer_ms=$(sweep "pacer simulate" "$pacer" simulate)
crm_ms=$(sweep "crm_simulate  " crm_simulate)
echo "crm_simulate / pacer wall time: $(awk "BEGIN { printf \"%.1f\", $crm_ms / $pacer_ms }")x" >&2
