# The differential runner itself: it must report "same" for hs == dash and catch every kind of
# difference (stdout, stderr, exit status, file content, mode, type, symlink target, extra
# file, hang), using fake "hs" wrappers that run dash and then spoil one thing.
. "$(dirname "$0")/../lib.sh"
tmp=$TESTS_TMP
dt=$HS_ROOT/tests/difftest
export DIFFTEST_TMP=$tmp/scratch

cat >"$tmp/s.sh" <<'S'
#!/bin/sh
# A script touching every compared thing.
# setup: echo input > in.txt
# args: a "b c"
echo "$0|$#|$2"
cat in.txt > out.txt
ln -s out.txt link
mkdir dir
chmod 600 out.txt
echo warn >&2
exit 3
S

# fake NAME SPOIL: an hs stand-in that skips its own options, runs dash, then runs SPOIL.
fake() {
	cat >"$tmp/$1" <<F
#!/bin/bash
while [ "\${1#--}" != "\$1" ]; do shift 2; done
dash "\$@"; rc=\$?
$2
exit \$rc
F
	chmod +x "$tmp/$1"
}

out=$("$dt" "$tmp/s.sh" 2>&1 | sed "s/ (re-runs: [0-9]*)$//"); rc=${PIPESTATUS[0]}
t_eq "hs vs dash: same" "0 same: $tmp/s.sh" "$rc $out"

check_caught() { # NAME SPOIL PATTERN
	fake "$1" "$2"
	out=$(HS=$tmp/$1 "$dt" "$tmp/s.sh" 2>&1); rc=$?
	if [ "$rc" = 1 ] && printf '%s\n' "$out" | grep -q -- "$3"; then
		t_pass "catches: $1"
	else
		t_fail "catches: $1" "rc=$rc" "$out"
	fi
}
check_caught extra-stdout 'echo extra' 'stdout differs'
check_caught extra-stderr 'echo extra >&2' 'stderr differs'
check_caught exit-status 'rc=4' 'exit status differs: dash 3, hs 4'
check_caught content 'echo changed > out.txt' 'content of out.txt'
check_caught mode 'chmod 644 out.txt' '+out.txt	file	644'
check_caught symlink 'rm link; ln -s in.txt link' '+link	symlink	-> in.txt'
check_caught type 'rmdir dir; touch dir' '+dir	file'
check_caught extra-file 'touch stray' '+stray'
check_caught missing-file 'rm in.txt' '\-in.txt'
check_caught hardlink 'ln out.txt hard' 'links=2'

check_caught leftover-process '(sleep 30 &)' 'processes left running'

# A hang is a mismatch, not a hang of the runner.
fake hang 'sleep 30'
out=$(HS=$tmp/hang "$dt" --timeout 1 "$tmp/s.sh" 2>&1); rc=$?
t_eq "a run that hangs is cut at --timeout and reported" "1" "$rc"

# stdin, setup file, merged output, --hs-opts pass-through
printf 'read -r l; echo "got $l"; cat; echo err >&2\n' >"$tmp/in.sh"
printf 'one\ntwo\n' >"$tmp/stdin"
fake eat-stdin 'true'
out=$(HS=$tmp/eat-stdin "$dt" --stdin "$tmp/stdin" --hs-opts '--window 1' "$tmp/in.sh" 2>&1)
t_eq "stdin piped to both runs" "same: $tmp/in.sh [hs --window 1]" "$out"
fake stdin-lost 'true' # hs stand-in that gives the script an empty stdin
sed -i 's/^dash "\$@"/dash "$@" <\/dev\/null/' "$tmp/stdin-lost"
out=$(HS=$tmp/stdin-lost "$dt" --stdin "$tmp/stdin" "$tmp/in.sh" 2>&1); rc=$?
t_eq "lost stdin is caught" 1 "$rc"
printf '# output: merged\necho a; echo b >&2; echo c\n' >"$tmp/m.sh"
fake swap 'true'
sed -i 's/^dash "\$@"/dash "$@" 2>\/dev\/null; echo b >\&2/' "$tmp/swap"
out=$(HS=$tmp/swap "$dt" "$tmp/m.sh" 2>&1); rc=$?
t_eq "merged output: a stream moved is caught" 1 "$rc"

# Re-runs from the log: a fake hs that logs two re-runs (one "re-run", one "invalidate").
cat >"$tmp/logging" <<'F'
#!/bin/bash
log=
while [ "${1#--}" != "$1" ]; do [ "$1" = --log ] && log=$2; shift 2; done
[ -n "$log" ] && printf '%s\n' '{"t_ms":1,"event":"start","node":1}' \
	'{"t_ms":2,"event":"re-run","node":1}' '{"t_ms":3,"event":"invalidate","node":2}' >"$log"
exec dash "$@"
F
chmod +x "$tmp/logging"
out=$(HS=$tmp/logging "$dt" --expect-reruns 0 "$tmp/s.sh" 2>&1); rc=$?
if [ "$rc" = 1 ] && printf '%s\n' "$out" | grep -q 'expected 0, hs logged 2'; then
	t_pass "re-runs above # expect-reruns are caught"
else
	t_fail "re-runs above # expect-reruns are caught" "$out"
fi
out=$(HS=$tmp/logging "$dt" --expect-reruns 1-3 "$tmp/s.sh" 2>&1)
t_eq "re-runs within a range pass" "same: $tmp/s.sh (re-runs: 2)" "$out"
printf '# expect-reruns: 0\nenv echo x\n' >"$tmp/r.sh"
out=$(HS=$tmp/logging "$dt" --hs-opts '--window 1' "$tmp/r.sh" 2>&1)
t_eq "# expect-reruns is checked on the default window only" \
	"same: $tmp/r.sh [hs --window 1] (re-runs: 2)" "$out"

# The real hs passes the scripts' own relative path: messages naming $0 match.
printf 'no_such_command_xyz\n' >"$tmp/msg.sh"
out=$("$dt" "$tmp/msg.sh" 2>&1 | sed "s/ (re-runs: [0-9]*)$//")
t_eq "messages naming the script match" "same: $tmp/msg.sh" "$out"
t_done
