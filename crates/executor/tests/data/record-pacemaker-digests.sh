#!/usr/bin/env bash
# Records the operation digest Pacemaker 2.1.5's scheduler computes from the
# configuration for every resource operation it checks, in every case of its
# scheduler corpus, from crm_simulate's trace log ("Checking ... for
# configuration changes" followed by the digests it computes for it: the
# op-digest, the secure digest and, when the record has one, the restart
# digest (crm_simulate always computes secure digests). The
# interval is Pacemaker's readable form, or 0 when the digested parameters
# have no CRM_meta_timeout (a one-shot operation: Pacemaker's log repeats a
# stale interval text for those).
# Needs crm_simulate (pacemaker-cli-utils 2.1.5).
#
# usage: record-pacemaker-digests.sh [CORPUS_DIR] > pacemaker-digests.tsv
set -euo pipefail
corpus=${1:-${PACER_CORPUS:-$(dirname "$0")/../../../../../shared/scheduler-corpus}}
printf 'case\trsc\ttask\tinterval\tnode\tdigest\tsecure\trestart\n'
tail -n +2 "$corpus/tests.tsv" | while IFS=$'\t' read -r name _desc extra; do
    # shellcheck disable=SC2086 # extra_args are several words
    crm_simulate -x "$corpus/xml/$name.xml" -s -Q -VVVVVV $extra 2>&1 </dev/null |
        awk -v c="$name" '
            function flush() {
                if (n > 0) {
                    if (!recurring) iv = "0"
                    print c "\t" rsc "\t" task "\t" iv "\t" node "\t" d[1] "\t" (n >= 2 ? d[2] : "-") "\t" (n >= 3 ? d[3] : "-")
                }
                n = 0; want = 0
            }
            /\(pcmk__check_action_config\).*Checking .*-interval .* for .* on .* for configuration changes/ {
                flush()
                for (i = 1; i <= NF; i++) if ($i == "Checking") { iv = $(i + 1); task = $(i + 2); rsc = $(i + 4); node = $(i + 6) }
                sub(/-interval$/, "", iv)
                want = 1; next
            }
            /\(process_rsc_history\)/ { flush(); next }
            want && /\(crm_md5sum\).*Digest [0-9a-f]+\./ {
                x = $NF; sub(/\.$/, "", x); d[++n] = x; next
            }
            want && n == 1 && /digest:source/ { recurring = ($0 ~ /CRM_meta_timeout=/); next }
            END { flush() }' | sort -u || true
done
