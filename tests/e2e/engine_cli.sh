# hs script mode is sh-compatible: $0, $@, -c, stdin scripts, options, exit status and error
# messages identical to dash, with every window; --stats/--log/--timeline produce valid output.
. "$(dirname "$0")/../lib.sh"
tmp=$TESTS_TMP
cd "$tmp" || exit 1

# same NAME -- SHELL-ARGS...: stdout, stderr and status of hs (windows 0, 1, 8) equal dash's.
same() {
	local name=$1 w
	shift 2
	(cd "$tmp" && dash "$@" >"$tmp/d.out" 2>"$tmp/d.err" </dev/null); echo $? >"$tmp/d.rc"
	for w in 0 1 8; do
		(cd "$tmp" && "$HS" --window $w "$@" >"$tmp/h.out" 2>"$tmp/h.err" </dev/null)
		echo $? >"$tmp/h.rc"
		if cmp -s "$tmp/d.out" "$tmp/h.out" && cmp -s "$tmp/d.err" "$tmp/h.err" &&
			cmp -s "$tmp/d.rc" "$tmp/h.rc"; then
			t_pass "$name (window $w)"
		else
			t_fail "$name (window $w)" "dash: $(cat "$tmp/d.out" "$tmp/d.err" "$tmp/d.rc")" \
				"hs:   $(cat "$tmp/h.out" "$tmp/h.err" "$tmp/h.rc")"
		fi
	done
}

printf 'echo "$0|$#|$*"\nshift\necho "$@"\nexit 3\n' >s_args.sh
same "script: \$0, \$#, \$@ and exit status" -- s_args.sh one "two words" three
printf 'echo start\nno_such_cmd_hs\necho "st=$?"\ncat /nonexistent\n' >s_err.sh
same "script: 'not found' and command errors with line numbers" -- s_err.sh
printf 'echo a\n(\n' >s_syntax.sh
same "script: syntax error message and status" -- s_syntax.sh
same "-c with arg0 and args" -- -c 'echo "$0:$1:$2"; exit 4' zero one two
same "-c without arg0" -- -c 'echo "[$#]"; false'
same "-c error message uses arg0" -- -c 'nosuchcmd_hs' myname
printf 'set -e\necho before\nfalse\necho after\n' >s_e.sh
same "set -e in the script stops at false" -- s_e.sh
printf 'echo before\nfalse\necho after\n' >s_plain.sh
same "-e on the command line" -- -e s_plain.sh
same "-o errexit on the command line" -- -o errexit s_plain.sh
printf 'echo "${undefined_hs}x"\necho after\n' >s_u.sh
same "-u: unset variable error" -- -u s_u.sh
printf 'echo *.sh | wc -w\n' >s_f.sh
same "-f: no globbing" -- -f s_f.sh
printf 'rm -f clob\necho a >clob\necho b >clob\ncat clob\n' >s_c.sh
same "-C: noclobber" -- -C s_c.sh

same "-x traces on stderr" -- -x s_plain.sh
same "-v prints lines" -- -v s_plain.sh
same "-a exports assignments" -- -a -c 'x=1; sh -c "echo \$x"'
same "unknown shell option" -- -Z s_plain.sh
same "missing script" -- ./no-such-script.sh
same "-c without its string" -- -c
printf 'echo "in:$0"; exit 6\n' >s_stdin.sh
for w in 0 4; do
	out=$("$HS" --window $w <s_stdin.sh); rc=$?
	t_eq "stdin script runs (window $w)" "in:dash:6" "$out:$rc"
	out=$("$HS" --window $w -s a b <<<'echo "$#$1$2"')
	t_eq "-s with args (window $w)" "2ab" "$out"
done

printf '#!/bin/bash\necho "${BASH_VERSION:+bash}"\n[[ 1 == 1 ]] && echo dbl\n' >s_bash.sh
out=$("$HS" s_bash.sh 2>&1)
t_eq "bash shebang runs bash" "$(printf 'bash\ndbl')" "$out"
out=$("$HS" --shell bash -c 'echo "${BASH_VERSION:+bash}"')
t_eq "--shell bash" bash "$out"

# Signals: killed by a signal, hs dies of the same signal (status 128+n seen by its parent).
"$HS" -c 'kill -TERM $$'; rc=$?
t_eq "a script killed by SIGTERM: same status as dash" 143 "$rc"
"$HS" -c 'trap "echo caught; exit 7" TERM; sleep 5 & wait' >trap.out & p=$!
sleep 0.5
kill -TERM $p; wait $p; rc=$?
t_eq "kill of hs reaches the shell once (trap runs, exit 7)" "caught:7" "$(cat trap.out):$rc"

# Reports.
printf 'for f in a b c; do echo $f >$f.txt; done\ncat a.txt b.txt\nls c.txt\n' >s_rep.sh
"$HS" --stats --log log.json --timeline tl.json s_rep.sh >rep.out 2>rep.err; rc=$?
t_eq "reports do not change the output" "$(printf 'a\nb\nc.txt'):0" "$(cat rep.out):$rc"
t_check "--stats prints the counters" grep -q 'nodes .*speculated .*committed .*re-run' rep.err
t_check "--timeline is valid JSON" python3 -m json.tool tl.json
t_check "--log is JSON lines" python3 -c '
import json, sys
for line in open(sys.argv[1]):
    json.loads(line)
' log.json

# --no-stack: no run starts on a finished run's uncommitted files (the scenario
# tests/scenarios/stacked.sh pins that the default does), same output.
printf '%s\n' 'for i in 1 2 3 4; do' '	sh -c "sleep 0.1; echo \$0" $i > f$i' \
	'	sh -c "sleep 0.2; cat \$0" f$i' 'done' >s_stack.sh
"$HS" --no-stack --log ns.log s_stack.sh >ns.out 2>&1; rc=$?
t_eq "--no-stack: same output" "$(printf '1\n2\n3\n4'):0" "$(cat ns.out):$rc"
t_eq "--no-stack: no stacked run in the log" 0 "$(grep -c '"stacked_on"' ns.log)"

# A runtime protocol error (the script writes on fd 9 through eval, where the rewriter cannot
# see it): speculation off, and the script runs to its end. The scheduler used to close its
# end, and the loop's next one-way message killed the shell with SIGPIPE.
"$HS" -c 'eval "printf \"x\\0\" >&9"; for i in 1 2 3; do echo $i; done; sleep 0.1; echo end' \
	>pe.out 2>pe.err; rc=$?
t_eq "protocol error: the script runs to its end" "$(printf '1\n2\n3\nend'):0" "$(cat pe.out):$rc"
t_check "protocol error: hs says speculation is off" grep -q 'runtime protocol: .*speculation off' pe.err

# Speculation off (here: a script the rewriter refuses) means `dash FILE`, never `dash -c
# TEXT`, reports or not: set -v prints the lines as dash reads them, a line the script appends
# to its own file runs, and the script sees no trace of hs.
printf 'set -v\necho one\nx=$(echo two)\necho "$x"\nset +v\necho end\n' >s_verbose.sh
same "set -v in the script prints its lines" -- s_verbose.sh
"$HS" --stats --log v.log --timeline v.json s_verbose.sh >v.out 2>v.err; rc=$?
dash s_verbose.sh >d.out 2>d.err
t_eq "set -v with --stats/--log/--timeline: same output" "$(cat d.out d.err):0" \
	"$(cat v.out; grep -v '^hs: ' v.err):$rc"
t_check "refused script: --stats prints the counters and why" \
	grep -q 'nodes 0 .*speculated 0.*' v.err
t_check "refused script: --stats says why" grep -q 'speculation off: set -x / set -v' v.err
t_eq "refused script: --log is empty" 0 "$(wc -c <v.log)"
t_check "refused script: --timeline is valid JSON" python3 -m json.tool v.json
printf 'echo one\necho "echo appended" >>"$0"\n' >self.tpl
cp self.tpl s_self.sh && dash s_self.sh >d.out 2>&1
for opts in "--window 0" "--window 1" "--window 8" "--stats --log self.log --timeline self.json"; do
	cp self.tpl s_self.sh
	# shellcheck disable=SC2086
	"$HS" $opts s_self.sh >h.out 2>h.err
	t_eq "a line appended to the script's own file runs ($opts)" "$(cat d.out)" "$(cat h.out)"
done
printf '%s\n' 'set | grep -c "^HS_RUNTIME"' 'env | grep -c "^HS_RUNTIME"' \
	'ls /proc/self/fd | grep -cx 9' >s_env.sh
for opts in "" "--stats" "--log env.log" "--timeline env.json"; do
	# shellcheck disable=SC2086
	out=$(env -u HS_DEBUG "$HS" $opts s_env.sh 2>/dev/null | tr '\n' ' ')
	t_eq "refused script sees no HS_RUNTIME nor fd 9 (${opts:-no options})" "0 0 0 " "$out"
done
"$HS" --stats -c 'set >/dev/null; trap "echo caught; exit 7" TERM; sleep 5 & wait' \
	>trap2.out 2>/dev/null & p=$!
sleep 0.5
kill -TERM $p; wait $p; rc=$?
t_eq "--stats, speculation off: kill of hs reaches the shell once" "caught:7" \
	"$(cat trap2.out):$rc"
"$HS" --window nope -c : 2>err; rc=$?
t_eq "--window with a bad number fails with 2" 2 "$rc"
"$HS" --help-run | grep -q -- --timeline
t_eq "--help lists --timeline" 0 $?

t_done
