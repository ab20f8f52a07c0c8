# hs parse: exit status, dash-style file:line:col errors, JSON output, -n on bad input.
. "$(dirname "$0")/../lib.sh"
tmp=$TESTS_TMP

printf 'echo "a $(date)" | wc -c\nif true; then :; fi\n' >"$tmp/ok.sh"
"$HS" parse "$tmp/ok.sh" >"$tmp/out" 2>"$tmp/err"; rc=$?
t_eq "parse: good script exits 0" 0 "$rc"
t_check "parse: tree names the cmdsub" grep -q cmdsub "$tmp/out"

"$HS" parse --json "$tmp/ok.sh" >"$tmp/json"; rc=$?
t_eq "parse --json exits 0" 0 "$rc"
if command -v python3 >/dev/null; then
	t_check "parse --json is valid JSON with the if node" python3 -c "
import json, sys
t = json.load(open(sys.argv[1]))
assert t['kind'] == 'program' and len(t['body']) == 2
assert t['body'][1]['pipelines'][0]['cmds'][0]['kind'] == 'if'" "$tmp/json"
fi

printf 'echo a\n  fi\n' >"$tmp/bad.sh"
"$HS" parse "$tmp/bad.sh" >"$tmp/out" 2>"$tmp/err"; rc=$?
t_eq "parse: syntax error exits 2" 2 "$rc"
t_eq "parse: error is file:line:col: message" "$tmp/bad.sh:2:3: syntax error: \"fi\" unexpected" "$(cat "$tmp/err")"
dash -n "$tmp/bad.sh" 2>/dev/null && t_fail "dash agrees the script is bad"

printf 'echo "unterminated\n' >"$tmp/q.sh"
"$HS" parse -n "$tmp/q.sh" 2>"$tmp/err"; rc=$?
t_eq "parse -n: unterminated quote exits 2" 2 "$rc"
t_check "parse -n: unterminated quote is named" grep -q "q.sh:1:6: unterminated quoted string" "$tmp/err"

printf 'cat <<EOF\nno end' >"$tmp/h.sh"
"$HS" parse -n "$tmp/h.sh"; rc=$?
t_eq "parse -n: here-doc without end parses like dash -n" "$(dash -n "$tmp/h.sh" 2>/dev/null; echo $?)" "$rc"

printf 'echo a\000b\n' >"$tmp/nul.sh"
"$HS" parse "$tmp/nul.sh" 2>"$tmp/err"; rc=$?
t_eq "parse: NUL byte exits 2" 2 "$rc"
t_check "parse: NUL byte is named" grep -q "nul.sh:1:7: NUL byte" "$tmp/err"

awk 'BEGIN { for (i = 0; i < 10000; i++) printf "("; printf "x"; for (i = 0; i < 10000; i++) printf ")"; print "" }' >"$tmp/deep.sh"
"$HS" parse -n "$tmp/deep.sh" 2>"$tmp/err"; rc=$?
t_eq "parse: 10000-deep (( parses as arithmetic or fails cleanly" 0 "$rc"
awk 'BEGIN { for (i = 0; i < 10000; i++) printf "{ "; printf "x;"; for (i = 0; i < 10000; i++) printf " }"; print "" }' >"$tmp/deep2.sh"
"$HS" parse -n "$tmp/deep2.sh" 2>"$tmp/err"; rc=$?
t_eq "parse: 10000-deep groups exit 2" 2 "$rc"
t_check "parse: 10000-deep groups say why" grep -q "nesting too deep" "$tmp/err"

"$HS" parse "$tmp/missing.sh" 2>/dev/null; rc=$?
t_eq "parse: missing file exits 2" 2 "$rc"

t_done
