# A short libFuzzer smoke run of the parser (the 10-minute run is `make fuzz-parse`): seeds
# from tests/fuzz/corpus, 20 seconds, no crash, leak, hang or verify failure.
. "$(dirname "$0")/../lib.sh"
tmp=$TESTS_TMP

if ! command -v clang >/dev/null; then
	t_skip "parser fuzz smoke run" "clang not installed (tools/deps.sh installs it)"
	t_done
	exit
fi
if ! make -s -C "$HS_ROOT" BUILD="$tmp/build" "$tmp/build/fuzz/parse_fuzz" >"$tmp/build.log" 2>&1; then
	if grep -q -i 'fuzzer' "$tmp/build.log"; then
		t_skip "parser fuzz smoke run" "libFuzzer runtime missing: $(tail -1 "$tmp/build.log")"
	else
		t_fail "fuzz target builds" "$(tail -5 "$tmp/build.log")"
	fi
	t_done
	exit
fi
mkdir -p "$tmp/corpus" "$tmp/art"
"$tmp/build/fuzz/parse_fuzz" -max_total_time="${HS_FUZZ_SMOKE:-20}" -max_len=4096 -timeout=10 \
	-rss_limit_mb=2048 -artifact_prefix="$tmp/art/" "$tmp/corpus" "$HS_ROOT/tests/fuzz/corpus" \
	>"$tmp/log" 2>&1
rc=$?
runs=$(grep -o 'Done [0-9]* runs' "$tmp/log")
if [ $rc -eq 0 ] && [ -z "$(ls "$tmp/art")" ]; then
	t_pass "parser fuzz smoke run: $runs, no finding"
else
	t_fail "parser fuzz smoke run" "$(grep -E 'ERROR|verify|stream|runtime error' "$tmp/log" | head -5)" \
		"artifact: $(ls "$tmp/art")"
fi
t_done
