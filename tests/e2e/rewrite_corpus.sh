# The rewriter over the shell scripts installed on this machine (and examples/): every one is
# rewritten or refused cleanly; a rewritten one keeps its line count and still parses with
# its shell when the original does; a refused one is returned byte for byte.
. "$(dirname "$0")/../lib.sh"
tmp=$TESTS_TMP
MAX=${HS_CORPUS_MAX:-400}

n=0 rewritten=0 refused=0 bad=
for f in "$HS_ROOT"/examples/*.sh $(grep -lsE '^#! ?(/usr)?/bin/(env )?(ba|da)?sh( |$)' \
	/usr/bin/* /usr/sbin/* /usr/lib/*/* /usr/share/*/* /etc/init.d/* 2>/dev/null); do
	[ -f "$f" ] || continue
	[ "$n" -ge "$MAX" ] && break
	n=$((n + 1))
	sh=dash
	head -1 "$f" | grep -q bash && sh=bash
	if ! "$HS" preprocess "$f" >"$tmp/rw.sh" 2>"$tmp/err"; then
		bad="$bad
$f: hs preprocess failed: $(head -2 "$tmp/err")"
		continue
	fi
	if grep -q 'runs unchanged' "$tmp/err"; then
		refused=$((refused + 1))
		cmp -s "$f" "$tmp/rw.sh" || bad="$bad
$f: refused but not returned unchanged"
		continue
	fi
	rewritten=$((rewritten + 1))
	if [ "$(wc -l <"$f")" != "$(wc -l <"$tmp/rw.sh")" ]; then
		bad="$bad
$f: line count changed"
	elif $sh -n "$f" 2>/dev/null && ! $sh -n "$tmp/rw.sh" 2>"$tmp/err"; then
		bad="$bad
$f: rewritten script does not parse with $sh: $(head -1 "$tmp/err")"
	fi
done
echo "# $n scripts: $rewritten rewritten, $refused refused"
if [ -z "$bad" ]; then
	t_pass "corpus: $n scripts rewritten or refused cleanly, lines kept, still parse"
else
	t_fail "corpus: some scripts went wrong" "$bad"
fi
t_check "corpus: most scripts are rewritten" test "$rewritten" -gt $((n / 2))
t_done
