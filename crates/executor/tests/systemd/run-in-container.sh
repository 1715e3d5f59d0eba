#!/usr/bin/env bash
# Runs the executor's live systemd tests (tests/systemd_live.rs) and
# `pacer agent list systemd|service` against a real systemd, booted in a
# throw-away Debian container with systemd-nspawn. The host's own init is
# never involved: the container has its own root, /run, /tmp, PID and
# network namespaces, and its own cgroup.
#
# Needs root, systemd-nspawn (Debian: systemd-container) and, the first time,
# debootstrap and a reachable Debian mirror (about 250 MB, 1–2 minutes).
#
#   crates/executor/tests/systemd/run-in-container.sh
#
# Environment:
#   PACER_SYSTEMD_ROOT  the container's root directory, made on first use and
#                       reused (default /var/tmp/pacer-systemd-root); keep it
#                       outside the repository
#   PACER_DEBIAN_MIRROR debootstrap's mirror (default http://deb.debian.org/debian)
#   PACER_SYSTEMD_REQUIRED=1  fail instead of skipping when a tool is missing
#   CARGO_TARGET_DIR    as for cargo
set -euo pipefail

repo=$(cd "$(dirname "$0")/../../../.." && pwd)
root=${PACER_SYSTEMD_ROOT:-/var/tmp/pacer-systemd-root}
mirror=${PACER_DEBIAN_MIRROR:-http://deb.debian.org/debian}
machine=pacer-systemd-test

skip() {
    if [ "${PACER_SYSTEMD_REQUIRED:-0}" = 1 ]; then
        echo "run-in-container: cannot run: $*" >&2
        exit 1
    fi
    echo "run-in-container: skipped: $*"
    exit 0
}

[ "$(id -u)" = 0 ] || skip "needs root (systemd-nspawn, debootstrap)"
command -v systemd-nspawn >/dev/null || skip "systemd-nspawn is not installed (Debian: apt-get install systemd-container)"
command -v nsenter >/dev/null || skip "nsenter is not installed (Debian: util-linux)"
case "$root" in
    "$repo"/*) echo "run-in-container: PACER_SYSTEMD_ROOT must be outside the repository" >&2; exit 2 ;;
esac

# 1. The root file system: Debian 12 with systemd and D-Bus.
if [ ! -x "$root/usr/lib/systemd/systemd" ]; then
    command -v debootstrap >/dev/null || skip "debootstrap is not installed (Debian: apt-get install debootstrap)"
    echo "run-in-container: creating $root with debootstrap (once)"
    rm -rf "$root.partial"
    debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus \
        bookworm "$root.partial" "$mirror" >"$root.debootstrap.log" 2>&1 || {
        tail -20 "$root.debootstrap.log" >&2
        echo "run-in-container: debootstrap failed (log: $root.debootstrap.log)" >&2
        exit 1
    }
    echo "$machine" >"$root.partial/etc/hostname"
    mv "$root.partial" "$root"
fi

# 2. The test binary and the CLI, built on the host (same Debian, same libc)
# with the workspace's features, so that after README's test command
# (cargo test --workspace) nothing is rebuilt.
cd "$repo"
artifacts=$(cargo test --workspace --locked --no-run --message-format=json 2>/dev/null) || {
    echo "run-in-container: cargo test --workspace --no-run failed" >&2; exit 1; }
executable() {
    printf '%s\n' "$artifacts" | grep '"reason":"compiler-artifact"' | grep -F "$1" |
        sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' || true
}
test_bin=$(executable '"kind":["test"],"crate_types":["bin"],"name":"systemd_live"' | tail -1)
# The bin's unit tests are a "bin" artifact too, under deps/: not that one.
pacer_bin=$(executable '"kind":["bin"],"crate_types":["bin"],"name":"pacer"' | grep -v '/deps/' || true)
[ -x "$test_bin" ] || { echo "run-in-container: no systemd_live test binary in cargo's output" >&2; exit 1; }
[ -x "$pacer_bin" ] || { echo "run-in-container: no pacer binary in cargo's output" >&2; exit 1; }
mkdir -p "$root/opt/pacer-test"
install -m 0755 "$test_bin" "$root/opt/pacer-test/systemd_live"
install -m 0755 "$pacer_bin" "$root/opt/pacer-test/pacer"

# 3. Boot. On a host without systemd, nspawn cannot ask for a scope: give it
# a cgroup of its own and let it keep that (--keep-unit).
log=$(mktemp /var/tmp/pacer-nspawn.XXXXXX.log)
cgroups=()
keep_unit=()
if [ ! -d /run/systemd/system ]; then
    keep_unit=(--keep-unit)
    if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
        cgroups=(/sys/fs/cgroup/pacer-nspawn)
    else
        [ -d /sys/fs/cgroup/systemd ] && cgroups+=(/sys/fs/cgroup/systemd/pacer-nspawn)
        [ -d /sys/fs/cgroup/unified ] && cgroups+=(/sys/fs/cgroup/unified/pacer-nspawn)
    fi
fi
join=""
for cg in ${cgroups[@]+"${cgroups[@]}"}; do
    mkdir -p "$cg"
    join="$join echo \$\$ > $cg/cgroup.procs;"
done
# shellcheck disable=SC2016
setsid sh -c "$join exec systemd-nspawn -D '$root' --boot --register=no ${keep_unit[*]-} \
    --private-network --console=read-only --machine=$machine" >"$log" 2>&1 </dev/null &
nspawn=$!

cleanup() {
    status=$?
    if [ "$status" != 0 ] && [ -s "$log" ]; then
        echo "run-in-container: failed; the container's console said:" >&2
        tail -40 "$log" >&2
    fi
    if kill -0 "$nspawn" 2>/dev/null; then
        kill -TERM "$nspawn" 2>/dev/null || true  # nspawn asks the container to power off
        for _ in $(seq 1 150); do
            kill -0 "$nspawn" 2>/dev/null || break
            sleep 0.2
        done
        if kill -0 "$nspawn" 2>/dev/null; then
            # Not shut down (e.g. asked before its init could listen): kill
            # the container's init, which ends its whole PID namespace, while
            # nspawn is still there to reap it.
            pid1=$( (ps -o pid= --ppid "$nspawn" 2>/dev/null || true) | head -1 | tr -d ' ')
            [ -n "$pid1" ] && kill -KILL "$pid1" 2>/dev/null || true
            sleep 1
            kill -KILL "$nspawn" 2>/dev/null || true
        fi
    fi
    wait "$nspawn" 2>/dev/null || true
    # nspawn makes sub-groups (payload, supervisor): innermost first.
    for cg in ${cgroups[@]+"${cgroups[@]}"}; do
        [ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    done
    rm -rf "$root/opt/pacer-test"
    rm -f "$log" "$log.list"
}
trap cleanup EXIT

leader=""
for _ in $(seq 1 100); do
    leader=$( (ps -o pid= --ppid "$nspawn" 2>/dev/null || true) | head -1 | tr -d ' ')
    [ -n "$leader" ] && break
    kill -0 "$nspawn" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$leader" ]; then
    cat "$log" >&2
    echo "run-in-container: systemd-nspawn did not start the container" >&2
    exit 1
fi
inside() {
    nsenter --target "$leader" --all --root --wd -- \
        env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
}
state=""
for _ in $(seq 1 120); do
    state=$(inside systemctl is-system-running 2>/dev/null || true)
    case "$state" in running|degraded) break ;; esac
    kill -0 "$nspawn" 2>/dev/null || break
    sleep 0.5
done
case "$state" in
    running|degraded) echo "run-in-container: systemd is up in the container ($state)" ;;
    *) tail -30 "$log" >&2; echo "run-in-container: the container's systemd did not come up (${state:-no answer})" >&2; exit 1 ;;
esac

# 4. The tests.
inside env PACER_SYSTEMD_LIVE=1 /opt/pacer-test/systemd_live
inside /opt/pacer-test/pacer agent list systemd >"$log.list"
grep -qx 'systemd:dbus' "$log.list" || { cat "$log.list" >&2; echo "run-in-container: pacer agent list systemd lacks dbus" >&2; exit 1; }
if grep -q '\.service$' "$log.list"; then
    echo "run-in-container: pacer agent list systemd shows .service suffixes" >&2; exit 1
fi
inside /opt/pacer-test/pacer agent list service >"$log.list"
grep -qx 'service:dbus' "$log.list" || { cat "$log.list" >&2; echo "run-in-container: pacer agent list service lacks dbus" >&2; exit 1; }
rm -f "$log.list"
echo "run-in-container: pacer agent list systemd|service: ok"
echo "run-in-container: all live systemd tests passed"
