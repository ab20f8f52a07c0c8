# Parser corpus: every shell script installed on this machine (first line a sh/bash/dash
# shebang under /usr/bin /usr/sbin /usr/lib /usr/share /etc) plus examples/. Each must parse
# or be rejected cleanly (no crash), its tree must pass hs_ast_verify (ranges inside parents,
# top-level ranges plus the gaps between them reproduce the file), and every sh/dash script
# that `dash -n` accepts must parse.
. "$(dirname "$0")/../lib.sh"
tmp=$TESTS_TMP

list=$tmp/files
find /usr/bin /usr/sbin /usr/lib /usr/share /etc -type f -size -4M -print0 2>/dev/null |
	xargs -0 -r awk 'FNR == 1 { if ($0 ~ /^#! *(\/usr)?\/bin\/(env +)?(sh|bash|dash)([ \t]|$)/) print FILENAME; nextfile }' \
		2>/dev/null >"$list"
ls "$HS_ROOT"/examples/*.sh >>"$list"
n=$(wc -l <"$list")
if [ "$n" -lt 4 ]; then
	t_fail "corpus found" "only $n files"
fi

# One hs process for all files; a crash shows as a missing summary line.
tr '\n' '\0' <"$list" | xargs -0 "$HS" parse --verify >"$tmp/out" 2>"$tmp/err"
rc=$?
summary=$(grep -E '^[0-9]+ parsed, ' "$tmp/out" | awk '{p+=$1; r+=$3; b+=$5} END {print p" parsed, "r" rejected, "b" broken"}')
echo "# corpus: $n files: $summary"
if [ $rc -ne 0 ] || grep -q '^BROKEN' "$tmp/out"; then
	t_fail "corpus: every parsed tree has exact ranges" "$(grep '^BROKEN' "$tmp/out" | head -5)" "$(tail -3 "$tmp/err")"
else
	t_pass "corpus: every parsed tree has exact ranges ($summary)"
fi
if grep -q 'unreadable' "$tmp/out"; then
	echo "# $(grep -c unreadable "$tmp/out") unreadable files skipped"
fi
grep '^rejected' "$tmp/out" | sed 's/^/# /' | head -20

# dash -n agreement on the sh/dash scripts: what dash accepts must parse.
mismatch=0 checked=0
while IFS= read -r f; do
	head -n1 "$f" | grep -qE '^#! *(/usr)?/bin/(env +)?(sh|dash)([ \t]|$)' || continue
	checked=$((checked + 1))
	if dash -n "$f" >/dev/null 2>&1; then
		if grep -qxF "ok $f" "$tmp/out"; then :; else
			mismatch=$((mismatch + 1))
			echo "# dash accepts, hs rejects: $f: $(grep -F " $f" "$tmp/out" | head -1)"
		fi
	fi
done <"$list"
echo "# dash -n comparison: $checked sh/dash scripts, $mismatch mismatches"
t_eq "corpus: every script dash -n accepts parses" 0 "$mismatch"

t_done
