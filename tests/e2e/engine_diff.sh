# Every scenario in tests/scenarios/ through the differential runner (tests/difftest): plain
# dash vs hs with the default window, --window 1 and --window 64, and (when the build has the
# rewriter) "rewrite": tests/hs-rewrite-only, the rewritten script with no runtime. A scenario
# listed in tests/scenarios/KNOWN_FAILURES (one "name window" per line) is
# reported as "not ok ... # TODO" when it differs, so a known engine bug does not hide others.
. "$(dirname "$0")/../lib.sh"
export HS HS_HELPERS DIFFTEST_TMP=$TESTS_TMP
known=$HS_ROOT/tests/scenarios/KNOWN_FAILURES

# Two at a time (2 cores); each job writes its verdict and report to its own file.
jobs_dir=$TESTS_TMP/jobs
mkdir -p "$jobs_dir"
list=$TESTS_TMP/list
# "rewrite": the script rewritten by `hs preprocess` and run with no runtime (every node in the
# shell): only when this hs has the rewriter.
windows="default 1 64"
if "$HS" preprocess "$HS_ROOT/tests/scenarios/independent.sh" >/dev/null 2>&1; then
	windows="$windows rewrite"
fi
for s in "$HS_ROOT"/tests/scenarios/*.sh; do
	for w in $windows; do echo "$(basename "$s" .sh) $w"; done
done >"$list"

run_case() {
	local name=$1 w=$2 opts= hs=$HS
	case $w in
	default) ;;
	rewrite) hs=$HS_ROOT/tests/hs-rewrite-only ;;
	*) opts="--window $w" ;;
	esac
	HS_REAL=$HS HS=$hs "$HS_ROOT/tests/difftest" -q --hs-opts "$opts" \
		"$HS_ROOT/tests/scenarios/$name.sh" >"$jobs_dir/$name.$w.out" 2>&1
	echo $? >"$jobs_dir/$name.$w.rc"
}
export -f run_case
export HS_ROOT jobs_dir
xargs -P "${HS_TEST_JOBS:-2}" -L 1 bash -c 'run_case "$@"' _ <"$list"

while read -r name w; do
	label="scenario $name (window $w)"
	if [ "$(cat "$jobs_dir/$name.$w.rc")" = 0 ]; then
		t_pass "$label"
	elif [ -f "$known" ] && grep -qx "$name $w" "$known"; then
		_t_n=$((_t_n + 1))
		echo "not ok $_t_n - $label # TODO known engine bug"
		sed 's/^/#   /' "$jobs_dir/$name.$w.out"
	else
		t_fail "$label" "$(cat "$jobs_dir/$name.$w.out")"
	fi
done <"$list"
t_done
