#!/bin/sh
# Records what Pacemaker 2.1.5's own fencer decides, for crates/fencer/tests/reference.rs.
# Needs root, pacemaker (pacemaker-fenced), pacemaker-cli-utils (stonith_admin) and
# fence-agents (fence_dummy). Starts pacemaker-fenced in stand-alone mode (no cluster),
# registers devices and levels through stonith_admin, and writes:
#   eligible.txt  "TARGET: DEVICE ..." (sorted) for `stonith_admin --list TARGET`
# (A stand-alone fencer has no peers, so it does not use fencing topologies: levels and
# the reboot remap cannot be recorded this way.)
# Usage: sh record.sh   (from anywhere; writes next to this script)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=/tmp/pacer-fencer-ref.$$
mkdir -p "$work"
log="$work/fenced.log"
PCMK_logfile="$log" /usr/lib/pacemaker/pacemaker-fenced -s > /dev/null 2>&1 &
fenced=$!
trap 'kill $fenced 2>/dev/null; rm -rf "$work"' EXIT
sleep 2

reg() { stonith_admin -R "$@" >/dev/null; }

# Eligibility: host lists (odd names cut at the first odd character), host maps (their ports
# count as targets too), an explicit static-list check with both.
reg d_list -a fence_dummy -o "status_file=$work/x" -o "pcmk_host_list=node1,node2;node3 NODE4"
reg d_map -a fence_dummy -o "status_file=$work/x" -o "pcmk_host_map=node5:p5;node6=p6 node7:a\:b,c"
reg d_mapcheck -a fence_dummy -o "status_file=$work/x" -o "pcmk_host_map=node8:p8" -o "pcmk_host_check=static-list" -o "pcmk_host_list=node9"
reg d_odd -a fence_dummy -o "status_file=$work/x" -o "pcmk_host_list=node-a.b_c,x@y on"
: > "$here/eligible.txt"
for t in node1 node2 node3 node4 NODE4 node5 p5 node6 p6 node7 node8 p8 node9 node10 node-a.b_c x x@y on; do
    devs=$(stonith_admin -l "$t" 2>/dev/null | grep -v "fence device" | sort | tr '\n' ' ' | sed 's/ $//')
    echo "$t: $devs" >> "$here/eligible.txt"
done
for d in d_list d_map d_mapcheck d_odd; do stonith_admin -D "$d" >/dev/null; done

