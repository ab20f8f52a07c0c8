# The shell runtime (engine/runtime.sh) against the scheduler test double (rt_double):
# the protocol both ways, no runtime = plain shell, no fork on the fast path.
. "$(dirname "$0")/../lib.sh"
tmp=$TESTS_TMP
D=$HS_HELPERS/rt_double

prelude=$("$HS" preprocess --runtime)
t_eq "prelude is one line" 1 "$(printf '%s\n' "$prelude" | wc -l)"
printf '%s:\n' "$prelude" >"$tmp/p.sh"
t_check "prelude parses with dash -n" dash -n "$tmp/p.sh"
t_check "prelude parses with bash -n" bash -n "$tmp/p.sh"

# A hand-rewritten script (what the rewriter emits) and its original, side by side.
cat >"$tmp/orig.sh" <<'EOF'
x=1
echo "one $x $1"
for i in a "b c"; do echo "it $i"; ls /proc/self/fd | wc -l; done
( echo sub )
echo four; echo "st=$?"
IFS=:; set -u; echo "five $x"
EOF
{
	printf '%s' "$prelude"
	cat <<'EOF'
x=1
if __hs_node 1 2 "${x+1}" "${x-}" "${IFS+1}" "${IFS-}" "$@"; then __hs_ret; else { echo "one $x $1"; } 9>&-; fi
__hs_for 1 a "b c"; for i in a "b c"; do __hs_iter 1 "${i-}"; if __hs_node 2 0 "$@"; then __hs_ret; else { echo "it $i"; } 9>&-; fi; if __hs_node 3 0 "$@"; then __hs_ret; else { ls /proc/self/fd | wc -l; } 9>&-; fi; done
( __hs_ffor 2 x; for s in x; do __hs_fiter 2 "$s"; if __hs_fnode 4 0 "$@"; then __hs_ret; else { echo sub; } 9>&-; fi; done )
if __hs_node 5 0 "$@"; then __hs_ret; else { echo four; } 9>&-; fi; echo "st=$?"
IFS=:; set -u; if __hs_node 6 1 "${x+1}" "${x-}" "$@"; then __hs_ret; else { echo "five $x"; } 9>&-; fi
EOF
} >"$tmp/rw.sh"

dash "$tmp/orig.sh" arg1 >"$tmp/o.out" 2>&1
for sh in dash bash; do
	$sh "$tmp/rw.sh" arg1 >"$tmp/r.out" 2>&1
	t_eq "$sh: no runtime: same output as the original" "$(cat "$tmp/o.out")" "$(cat "$tmp/r.out")"
	"$D" -n -- $sh "$tmp/rw.sh" arg1 >"$tmp/r.out" 2>&1
	t_eq "$sh: HS_RUNTIME=9 without fd 9: same output" "$(cat "$tmp/o.out")" "$(cat "$tmp/r.out")"
	"$D" -l "$tmp/log" -- $sh "$tmp/rw.sh" arg1 >"$tmp/r.out" 2>&1
	t_eq "$sh: always-run double: same output (fd 9 hidden from commands)" \
		"$(cat "$tmp/o.out")" "$(cat "$tmp/r.out")"
done
printf 'echo "[$HS_RUNTIME]"; set | grep -c "^__hs" || :\n' >"$tmp/vars.sh"
{ printf '%s' "$prelude"; cat "$tmp/vars.sh"; } >"$tmp/vars-rw.sh"
t_eq "no runtime: HS_RUNTIME unset and no variable set" "$(printf '[]\n0')" \
	"$(HS_RUNTIME=9 dash "$tmp/vars-rw.sh")"
t_eq "runtime: HS_RUNTIME unset before line 1" "[]" "$("$D" -- dash "$tmp/vars-rw.sh" | head -1)"

# The messages, as logged by the double (from the last run: bash).
"$D" -l "$tmp/log" -- dash "$tmp/rw.sh" arg1 >/dev/null 2>&1
pwd_=$(pwd)
expect="hello|3|pid
node|1|0|$pwd_||2|1|set=1|set= 	
|arg1|exports=yes|umask=0022
for|1|2|a|b c
iter|1|a
node|2|0|$pwd_||0|1|arg1|exports=yes|umask=0022
node|3|0|$pwd_||0|1|arg1|exports=yes|umask=0022
iter|1|b c
node|2|0|$pwd_||0|1|arg1|exports=yes|umask=0022
node|3|0|$pwd_||0|1|arg1|exports=yes|umask=0022
node|5|0|$pwd_||0|1|arg1|exports=yes|umask=0022
node|6|0|$pwd_|u|1|1|set=1|arg1|exports=yes|umask=0022"
t_eq "messages: hello, node fields, for list once, iter per iteration, none from a subshell" \
	"$expect" "$(cat "$tmp/log")"

# Replies other than run.
cat >"$tmp/done.sh" <<'EOF'
if __hs_node 1 0 "$@"; then __hs_ret; else { echo should-not-run; } 9>&-; fi; echo "st=$?"
if __hs_node 2 0 "$@"; then __hs_ret; else { echo should-not-run; } 9>&-; fi; echo "y=$y here"
cd /; if __hs_node 3 0 "$@"; then __hs_ret; else { echo ran3; } 9>&-; fi
IFS=0; if __hs_node 6 0; then __hs_ret; else { echo no; } 9>&-; fi; echo "ifs0=$?"; IFS=' '
set -e; if __hs_node 4 0; then __hs_ret; else { false; } 9>&-; fi || echo not-last-ok
if __hs_node 5 0; then __hs_ret; else { false; } 9>&-; fi; echo not-reached
EOF
printf 'y="from state file"\ncd /tmp\n' >"$tmp/state"
{ printf '%s' "$prelude"; cat "$tmp/done.sh"; } >"$tmp/done-rw.sh"
out=$("$D" -l "$tmp/log" -r '1=done 7' -r "2=done 0 $tmp/state" -r '4=done 1' -r '5=done 4' -r '6=done 10' \
	-- dash "$tmp/done-rw.sh"); rc=$?
t_eq "done replies: status, sourced state, run, set -e in and-or, set -e exit" \
	"$(printf 'st=7\ny=from state file here\nran3\nifs0=10\nnot-last-ok')" "$out"
t_eq "done reply under set -e: the shell exits with the node's status" 4 "$rc"
t_check "the scheduler saw the PWD set by the state file" grep -q '^node|3|0|/|' "$tmp/log"
t_eq "without runtime the same script runs every command" \
	"$(printf 'should-not-run\nst=0\nshould-not-run\ny= here\nran3\nno\nifs0=0\nnot-last-ok')" \
	"$(dash "$tmp/done-rw.sh" 2>&1)"

# "run N": the shell runs node N without asking from then on, says so with "ran N" (one way),
# and asks again after 64 of those.
{
	printf '%s' "$prelude"
	echo 'i=0; while [ $i -lt 70 ]; do i=$((i + 1)); if __hs_node 7 0; then __hs_ret; else { echo "n$i"; } 9>&-; fi; if __hs_node 8 0; then __hs_ret; else { :; } 9>&-; fi; done'
} >"$tmp/quiet-rw.sh"
out=$("$D" -l "$tmp/log" -r '7=run 7' -- dash "$tmp/quiet-rw.sh" | tr '\n' ' ')
t_eq "run N: every node still runs" "$(seq -f 'n%g' 1 70 | tr '\n' ' ')" "$out"
t_eq "run N: asked twice (first, after 64 quiet runs), 68 ran messages; others ask" \
	"2 68 70" "$(grep -c '^node|7|' "$tmp/log") $(grep -c '^ran|7$' "$tmp/log") $(grep -c '^node|8|' "$tmp/log")"

# The scheduler going away: the runtime switches itself off, the script finishes alone.
out=$("$D" -l "$tmp/log" -c 2 -- dash "$tmp/rw.sh" arg1 2>&1)
t_eq "socket closed after 2 nodes: the script still runs every command" "$(cat "$tmp/o.out")" "$out"
t_eq "socket closed after 2 nodes: no message after" 4 "$(grep -c '^node\|^iter\|^for' "$tmp/log")"

# No fork on the fast path: 200 nodes answered "done" and a 50-word loop in a traced dash.
if command -v strace >/dev/null; then
	{
		printf '%s' "$prelude"
		i=0
		while [ $i -lt 200 ]; do
			printf 'if __hs_node %d 1 "${x+1}" "${x-}" "$@"; then __hs_ret; else { /bin/true; } 9>&-; fi\n' $i
			i=$((i + 1))
		done
		printf '__hs_for 9 %s; for w in %s; do __hs_iter 9 "$w"; done\n' "$(seq -s ' ' 50)" "$(seq -s ' ' 50)"
	} >"$tmp/many.sh"
	args=()
	for i in $(seq 0 199); do args+=(-r "$i=done 0"); done
	"$D" -l "$tmp/log" "${args[@]}" -- strace -f -qq -e trace=fork,vfork,clone,clone3 \
		-o "$tmp/strace" dash "$tmp/many.sh" a b >"$tmp/out" 2>&1
	t_eq "fast path: 200 nodes committed, 50 iterations" 250 "$(grep -c '^node\|^iter' "$tmp/log")"
	t_eq "fast path: dash forks 0 times" 0 "$(grep -c 'clone\|fork' "$tmp/strace")"
	"$D" -l "$tmp/log" -r '7=run 7' -r '8=run 8' -- strace -f -qq -e trace=fork,vfork,clone,clone3 \
		-o "$tmp/strace" dash "$tmp/quiet-rw.sh" >/dev/null 2>&1
	# 140 nodes: each asks once, then 64 quiet, twice, and 6 more quiet: 134 ran messages.
	t_eq "run N path: 140 nodes in 70 iterations, dash forks 0 times" "0 134" \
		"$(grep -c 'clone\|fork' "$tmp/strace") $(grep -c '^ran|' "$tmp/log")"
	# The same through hs preprocess: a real rewritten script, every node answered "done".
	{
		echo 'n=0'
		echo 'for w in a b c d e f g h i j; do'
		echo '	grep -q "$w" /etc/passwd | cat'
		echo '	x=$(ls /nonexistent-$w)'
		echo '	n=$((n + 1))'
		echo 'done'
		echo 'wc -l /etc/passwd; echo "n=$n"'
	} >"$tmp/loop.sh"
	"$HS" preprocess --nodes "$tmp/loop.sh" >"$tmp/loop.json"
	"$HS" preprocess "$tmp/loop.sh" >"$tmp/loop-rw.sh"
	ids=$(grep -o '"id":[0-9]*,"kind":"[a-z-]*","node":true' "$tmp/loop.json" | cut -d: -f2 | cut -d, -f1)
	args=()
	for i in $ids; do args+=(-r "$i=done 0"); done
	out=$("$D" -l "$tmp/log" "${args[@]}" -- strace -f -qq -e trace=fork,vfork,clone,clone3 \
		-o "$tmp/strace" dash "$tmp/loop-rw.sh")
	t_eq "rewritten loop, nodes committed: the shell only runs builtins" "n=10" "$out"
	t_eq "rewritten loop: 1 list, 10 iterations, 21 node messages" "1 10 21" \
		"$(grep -c '^for' "$tmp/log") $(grep -c '^iter' "$tmp/log") $(grep -c '^node' "$tmp/log")"
	t_eq "rewritten loop, nodes committed: dash forks 0 times" 0 \
		"$(grep -c 'clone\|fork' "$tmp/strace")"
else
	t_skip "fast path: dash forks 0 times" "strace not installed"
fi

t_done
