# Every scenario in tests/scenarios/ through the differential runner (tests/difftest): plain
# dash vs hs with the default window, --window 1 and --window 64. A scenario listed in
# tests/scenarios/KNOWN_FAILURES (one "name window" per line, window: default, 1 or 64) is
# reported as "not ok ... # TODO" when it differs, so a known engine bug does not hide others.
. "$(dirname "$0")/../lib.sh"
export HS HS_HELPERS DIFFTEST_TMP=$TESTS_TMP
known=$HS_ROOT/tests/scenarios/KNOWN_FAILURES

# Two at a time (2 cores); each job writes its verdict and report to its own file.
jobs_dir=$TESTS_TMP/jobs
mkdir -p "$jobs_dir"
list=$TESTS_TMP/list
for s in "$HS_ROOT"/tests/scenarios/*.sh; do
	for w in default 1 64; do echo "$(basename "$s" .sh) $w"; done
done >"$list"

run_case() {
	local name=$1 w=$2 opts=
	[ "$w" = default ] || opts="--window $w"
	"$HS_ROOT/tests/difftest" -q --hs-opts "$opts" "$HS_ROOT/tests/scenarios/$name.sh" \
		>"$jobs_dir/$name.$w.out" 2>&1
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
