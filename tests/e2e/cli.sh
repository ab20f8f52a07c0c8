# The hs binary's front door: help texts, bad subcommand use, sh-compatible script mode.
. "$(dirname "$0")/../lib.sh"
tmp=$TESTS_TMP

t_check "hs --help names every subcommand" sh -c "'$HS' --help | grep -q sandbox && '$HS' --help | grep -q trace && '$HS' --help | grep -q preprocess"

out=$("$HS" -c 'echo "$0:$1:$2"; exit 3' zero one two); rc=$?
t_eq "hs -c passes \$0 and args" "zero:one:two" "$out"
t_eq "hs -c returns the exit status" 3 "$rc"

printf 'echo a\necho b >&2\nexit 5\n' >"$tmp/s.sh"
"$HS" "$tmp/s.sh" >"$tmp/out" 2>"$tmp/err"; rc=$?
t_eq "script mode: stdout" a "$(cat "$tmp/out")"
t_eq "script mode: stderr" b "$(cat "$tmp/err")"
t_eq "script mode: exit status" 5 "$rc"

out=$(printf 'echo from-stdin\n' | "$HS")
t_eq "script from stdin" from-stdin "$out"

"$HS" --no-such-option x >/dev/null 2>"$tmp/err"; rc=$?
t_eq "unknown option fails with 2" 2 "$rc"
t_check "unknown option is named" grep -q -- --no-such-option "$tmp/err"

t_done
