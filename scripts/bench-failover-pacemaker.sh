#!/bin/bash
# The Pacemaker 2.1.5 side of the failover benchmark (issue 7): runs the
# reference lab of ../shared/tools/pacemaker-lab (3 nodes in network
# namespaces, corosync token 1000 ms, stonith disabled, one Dummy resource
# with a 1 s monitor) and its measurement functions:
#   A  resource failure (Dummy's state file removed) -> a new successful start
#      recorded in the CIB;
#   B  the node running it frozen (SIGSTOP of all its daemons) -> the resource
#      located on another node;
#   C  idle footprint per node (RSS, PSS, CPU over 30 s).
# pacer's side, in the same kind of lab with the same settings:
#   pacer lab bench resource --agent dummy --interval 1s   (A)
#   pacer lab bench node --no-fencing                       (B)
#   pacer lab bench footprint                               (C)
#
#   scripts/bench-failover-pacemaker.sh [PACEMAKER_LAB_DIR] [RUNS]
#
# Needs root and Debian's pacemaker, corosync, crmsh, resource-agents,
# pacemaker-cli-utils. Prints every run, then median and p95 of A and B.
# The lab is torn down on exit.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
LABTOOLS=$(cd "${1:-$here/../../shared/tools/pacemaker-lab}" && pwd)
RUNS=${2:-20}
export TOKEN=${TOKEN:-1000}
export PCMK_LAB_DIR=${PCMK_LAB_DIR:-/tmp/pcmk-lab}
lab() { bash "$LABTOOLS/lab.sh" "$@"; }
meas() { bash "$LABTOOLS/meas.sh" "$@"; }

trap 'lab teardown >/dev/null 2>&1 || true' EXIT
lab teardown >/dev/null 2>&1 || true
# A fresh lab directory: no CIB of an earlier run.
rm -rf "$PCMK_LAB_DIR"
mkdir -p "$PCMK_LAB_DIR"
lab setup
lab start
echo "waiting for a DC (dc-deadtime) ..."
for _ in $(seq 120); do
    lab x 1 crm_mon -1 2>/dev/null | grep -q 'partition with quorum' && break
    sleep 1
done
lab configure
rm -f "$PCMK_LAB_DIR/results.txt"
for _ in $(seq 60); do
    lab x 1 crm_resource --locate -r dummy -Q 2>/dev/null | grep -q node && break
    sleep 1
done
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
meas meas_a "$RUNS" || true
meas meas_b "$RUNS" || true
meas footprint || true
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

# Median and p95 (nearest rank) of one field of the A or B lines.
stats() {
    grep "^$1 " "$PCMK_LAB_DIR/results.txt" | sed -n "s/.* $2=\([0-9.]*\).*/\1/p" | sort -n |
        awk -v what="$1 $2" '{ v[NR] = $1 } END {
            if (NR == 0) { print what ": no runs"; exit }
            m = int((NR + 1) / 2); p = int(NR * 0.95 + 0.999); if (p > NR) p = NR
            printf "%s: runs %d, median %.3f s, p95 %.3f s, max %.3f s\n", what, NR, v[m], v[p], v[NR]
        }'
}
echo "== Pacemaker 2.1.5, token $TOKEN ms"
stats A cib_started
stats A statefile_back
stats B failover
grep '^C ' "$PCMK_LAB_DIR/results.txt"
