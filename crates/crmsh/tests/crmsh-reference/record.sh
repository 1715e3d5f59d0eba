#!/usr/bin/env bash
# Re-records what the real crmsh makes of every example in this directory.
#
# For each NAME.crm (written by hand) it writes, next to it:
#   NAME.xml       the <configuration> crmsh builds from it
#   NAME.show      what `crm configure show` prints for that configuration
#   NAME.show.xml  the <configuration> crmsh builds from NAME.show
# The tests (crates/crmsh/tests/reference.rs) compare pacer with these files,
# so they run without crmsh; run this script again after adding or changing
# an example (needs crmsh and pacemaker-cli-utils: `apt-get install crmsh
# pacemaker-cli-utils`).
#
# crmsh runs against a CIB *file*, no cluster needed: Pacemaker's tools and
# crmsh honour CIB_file. The file starts as `cibadmin --empty` makes it.
# CRM_CONFIG_FILE points crmsh at a private configuration that
#   - skips the resource-agent checks (the agents need not be installed),
#   - prints plain text and obscures nothing (passwords are shown as written),
# and `crm -F` commits even when crm_verify has warnings (no nodes, no
# stonith devices …).
set -euo pipefail
cd "$(dirname "$0")"

for tool in crm cibadmin; do
    command -v "$tool" >/dev/null || { echo "record.sh: '$tool' not found (apt-get install crmsh pacemaker-cli-utils)" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/crm.conf" <<'CONF'
[core]
check_frequency = never
check_mode = relaxed
ignore_missing_metadata = yes
output = plain
obscure_pattern =
pager = cat
CONF
export CRM_CONFIG_FILE="$work/crm.conf"
export XDG_CACHE_HOME="$work/cache" XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data"

# load FILE OUT.xml: loads crm text into a fresh CIB file (left in
# $work/cib.xml) and writes its <configuration>; fails when crmsh does.
load() {
    local cib="$work/cib.xml"
    cibadmin --empty > "$cib"
    if ! CIB_file="$cib" crm -F configure load update "$1" > "$work/log" 2>&1 \
        || grep -q 'syntax' "$work/log"; then
        return 1
    fi
    CIB_file="$cib" cibadmin --query --scope configuration > "$2"
}

count=0
for crm in [0-9]*.crm; do
    name=${crm%.crm}
    if ! load "$crm" "$name.xml"; then
        echo "record.sh: crmsh rejected $crm:" >&2
        cat "$work/log" >&2
        exit 1
    fi
    CIB_file="$work/cib.xml" crm configure show > "$name.show"
    # crmsh cannot always read back its own output (it drops ids that others
    # refer to); then there is no NAME.show.xml and the test skips that step.
    rm -f "$name.show.xml"
    if ! load "$name.show" "$name.show.xml"; then
        rm -f "$name.show.xml"
        echo "record.sh: note: crmsh cannot reload its own 'show' output for $crm"
    fi
    count=$((count + 1))
done
# Loading into an existing configuration: update/NAME.base.crm is loaded
# first, then NAME.update.crm with `load update` or NAME.replace.crm with
# `load replace`; the result is update/NAME.xml.
for base in update/*.base.crm; do
    name=${base%.base.crm}
    if [ -e "$name.update.crm" ]; then method=update; else method=replace; fi
    load "$base" "$work/base.xml" || { cat "$work/log" >&2; exit 1; }
    if ! CIB_file="$work/cib.xml" crm -F configure load "$method" "$name.$method.crm" > "$work/log" 2>&1 \
        || grep -q 'syntax' "$work/log"; then
        echo "record.sh: crmsh rejected $name.$method.crm:" >&2
        cat "$work/log" >&2
        exit 1
    fi
    CIB_file="$work/cib.xml" cibadmin --query --scope configuration > "$name.xml"
    count=$((count + 1))
done
echo "record.sh: recorded $count examples with crmsh $(dpkg-query -W -f='${Version}' crmsh 2>/dev/null || crm --version)"
