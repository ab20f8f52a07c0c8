# Random scripts (tests/gen-script.sh, fixed seeds) through the differential runner, windows
# default / 1 / 64 in turn. Any seed on request: make fuzz-engine SEED=N COUNT=M.
# HS_FUZZ_COUNT overrides the number of scripts (default 200).
. "$(dirname "$0")/../lib.sh"
count=${HS_FUZZ_COUNT:-200}
out=$("$HS_ROOT/tests/fuzz-engine.sh" --seed 1000 --count "$count" --jobs "${HS_TEST_JOBS:-2}" \
	--save "$TESTS_TMP/failures" 2>&1)
if [ $? = 0 ]; then
	t_pass "$count random scripts (seeds 1000..) same under dash and hs"
else
	t_fail "$count random scripts (seeds 1000..) same under dash and hs" "$out"
fi
t_done
