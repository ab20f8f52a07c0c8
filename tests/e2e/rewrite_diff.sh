# Differential test of the rewriter: for the project's test scripts (tests/scripts/*.sh) and a
# generated set (tests/gen_scripts.sh, fixed seed), the rewritten script run by dash (and
# bash) gives the same stdout, stderr, exit status and files as the original, with no
# runtime and with the "always run" scheduler double on fd 9.
. "$(dirname "$0")/../lib.sh"
tmp=$TESTS_TMP
D=$HS_HELPERS/rt_double
GEN_SEED=${HS_GEN_SEED:-4242}
GEN_COUNT=${HS_GEN_COUNT:-60}

bash "$HS_ROOT/tests/gen_scripts.sh" "$GEN_SEED" "$GEN_COUNT" "$tmp/gen"

# run SCRIPT_TEXT_FILE OUTDIR CMD...: run CMD in a fresh dir holding the script as script.sh;
# record stdout, stderr, status and a listing of the files left behind (type, mode, size,
# content hash; script.sh excluded).
run() {
	local script=$1 out=$2 rc
	shift 2
	rm -rf "$out" && mkdir -p "$out/wd"
	cp "$script" "$out/wd/script.sh"
	(cd "$out/wd" && printf 'stdin line 1\nstdin line 2\n' |
		timeout 20 "$@" script.sh arg1 "arg 2" >"$out/stdout" 2>"$out/stderr")
	rc=$?
	echo "$rc" >"$out/status"
	(cd "$out/wd" && find . -mindepth 1 ! -name script.sh -printf '%y %m %s %p -> %l\n' | sort
	 find . -type f ! -name script.sh -exec md5sum {} + | sort) >"$out/files"
}

# same A B: compare two run records; print the first difference.
same() {
	local k
	for k in status stdout stderr files; do
		if ! cmp -s "$1/$k" "$2/$k"; then
			echo "$k differs:"
			diff "$1/$k" "$2/$k" | head -10
			return 1
		fi
	done
}

shells="dash"
command -v bash >/dev/null && shells="dash bash"
total_nodes=0 total_loops=0 refused=0 n_scripts=0
for s in "$HS_ROOT"/tests/scripts/*.sh "$tmp"/gen/*.sh; do
	name=$(basename "$s" .sh)
	n_scripts=$((n_scripts + 1))
	if ! "$HS" preprocess --explain "$s" >"$tmp/rw.sh" 2>"$tmp/explain"; then
		t_fail "$name: hs preprocess" "$(cat "$tmp/explain")"
		continue
	fi
	if grep -q 'runs unchanged' "$tmp/explain"; then
		refused=$((refused + 1))
	fi
	total_nodes=$((total_nodes + $(grep -c ': node' "$tmp/explain")))
	total_loops=$((total_loops + $(grep -c 'list announced' "$tmp/explain")))
	if [ "$(wc -l <"$s")" != "$(wc -l <"$tmp/rw.sh")" ]; then
		t_fail "$name: rewritten script keeps the line count"
		continue
	fi
	fails=
	for sh in $shells; do
		run "$s" "$tmp/orig" "$sh"
		run "$tmp/rw.sh" "$tmp/plain" "$sh"
		if ! d=$(same "$tmp/orig" "$tmp/plain"); then
			fails="$fails
$sh, no runtime: $d"
		fi
		run "$tmp/rw.sh" "$tmp/double" "$D" -- "$sh"
		if ! d=$(same "$tmp/orig" "$tmp/double"); then
			fails="$fails
$sh, always-run double: $d"
		fi
	done
	if [ -z "$fails" ]; then
		t_pass "$name: rewritten = original ($shells; no runtime, always-run double)"
	else
		t_fail "$name: rewritten differs" "$fails"
		cp "$s" "$tmp/rw.sh" /var/tmp/hs-tests/ 2>/dev/null
	fi
done
echo "# $n_scripts scripts, $total_nodes nodes wrapped, $total_loops loops announced, $refused refused"
t_check "the test scripts exercise the rewriter (nodes and loops wrapped)" \
	test "$total_nodes" -gt 200 -a "$total_loops" -gt 20

t_done
