#!/bin/sh
# Records what the real crm_mon (Pacemaker 2.1.5, Debian's pacemaker-cli-utils)
# prints for each fixture here, as FIXTURE.VARIANT.txt, with the clock-dependent
# "Last updated" line removed and dates in UTC. tests/status.rs compares
# `pacer status --cib FIXTURE` with these files.
set -eu
cd "$(dirname "$0")"
for xml in *.xml; do
    base=${xml%.xml}
    for variant in plain rf; do
        case $variant in plain) args="-1" ;; rf) args="-1 -r -f" ;; esac
        # shellcheck disable=SC2086
        CIB_file=$xml TZ=UTC crm_mon $args | grep -v '^  \* Last updated: ' > "$base.$variant.txt"
    done
done
