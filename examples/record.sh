#!/usr/bin/env bash
# Records what real Pacemaker (crm_simulate, Debian's pacemaker-cli-utils) prints for each
# example CIB, so crates/pacer/tests/examples.rs can check pacer prints the same.
# Run from anywhere: examples/record.sh
set -euo pipefail
cd "$(dirname "$0")"
command -v crm_simulate >/dev/null || { echo "needs crm_simulate (apt-get install pacemaker-cli-utils)" >&2; exit 2; }
shadow=$(mktemp -d)
trap 'rm -rf "$shadow"' EXIT
for cib in *.xml; do
    name=${cib%.xml}
    CIB_shadow_dir=$shadow crm_simulate -x "$cib" > "expected/$name.status"
    echo "recorded expected/$name.status"
done
