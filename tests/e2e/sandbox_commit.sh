# hs sandbox end to end with the commit: -y, -n + summary/commit, the prompt, explore,
# stacked sandboxes committed in order, the command's status next to commit failures.
. "$(dirname "$0")/../lib.sh"
tmp=$TESTS_TMP
export HS_STATE_DIR=$tmp/state
w=$tmp/live
mkdir -p "$w"
# No controlling terminal: the prompt must read stdin, never wait on a tty.
hs_nt() { setsid -w "$HS" "$@"; }

for sub in "" summary commit explore recover; do
	t_check "hs sandbox $sub --help" sh -c "'$HS' sandbox $sub --help | grep -q usage"
done

echo old >"$w/mod"
echo bye >"$w/gone"
mkdir -p "$w/d" && echo keep >"$w/d/k"
hs_nt sandbox -y -- sh -c "cd '$w' && echo new >mod && rm gone && echo a >add && mkdir -p n/m && echo b >n/m/f && rm -r d && mkdir d && echo c >d/c; exit 3" \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
t_eq "-y: the command's status comes back after the commit" 3 "$rc"
t_eq "-y: modified file committed" new "$(cat "$w/mod")"
t_check "-y: deleted file is gone" test ! -e "$w/gone"
t_eq "-y: new file and new tree committed" "a b" "$(cat "$w/add" "$w/n/m/f" | tr '\n' ' ' | sed 's/ $//')"
t_eq "-y: a dir removed and recreated holds only the new entries" c "$(ls "$w/d")"
t_check "-y: the summary was shown" grep -q "$w/add" "$tmp/err"
t_eq "-y: the sandbox is removed after the commit" "" "$(ls "$HS_STATE_DIR/sandboxes")"

sb=$(hs_nt sandbox -n -- sh -c "echo later >'$w/later'")
t_check "-n: nothing committed yet" test ! -e "$w/later"
hs_nt sandbox summary "$sb" >"$tmp/sum"
t_eq "summary DIR: status 0 when there are changes" 0 "$?"
t_check "summary DIR names the change" grep -q "$w/later" "$tmp/sum"
hs_nt sandbox commit -y "$sb" >/dev/null 2>&1
t_eq "commit -y DIR: status 0" 0 "$?"
t_eq "commit -y DIR: applied" later "$(cat "$w/later")"
t_check "commit -y DIR: the sandbox is gone" test ! -e "$sb"

sb=$(hs_nt sandbox -n -- true)
hs_nt sandbox summary "$sb" >/dev/null 2>&1
t_eq "summary of an unchanged sandbox: status 1" 1 "$?"

echo n | hs_nt sandbox -- sh -c "echo no >'$w/asked'" >/dev/null 2>"$tmp/err"
t_check "answering n commits nothing and keeps the sandbox" sh -c "test ! -e '$w/asked' && grep -q 'Not committing' '$tmp/err'"
echo y | hs_nt sandbox -- sh -c "echo yes >'$w/asked'" >/dev/null 2>&1
t_eq "answering y commits" yes "$(cat "$w/asked" 2>/dev/null)"

sb=$(hs_nt sandbox -n -- true)
printf 'echo explored >%s/explored\nexit 4\n' "$w" | SHELL=/bin/sh hs_nt sandbox explore "$sb" >/dev/null 2>&1
t_check "explore DIR runs the shell inside; unanswered prompt commits nothing" test ! -e "$w/explored"
hs_nt sandbox commit -y "$sb" >/dev/null 2>&1
t_eq "explore's changes commit later" explored "$(cat "$w/explored" 2>/dev/null)"

# Stacked: s2 saw s1's file; committing s1 then s2 gives the sequential result.
s1=$(hs_nt sandbox -n -- sh -c "echo one >'$w/st'; echo x >'$w/st.tmp'")
s2=$(hs_nt sandbox -L "$s1" -- sh -c "cat '$w/st' >'$w/st.copy'; rm '$w/st.tmp'")
hs_nt sandbox commit -y "$s1" >/dev/null 2>&1 && hs_nt sandbox commit -y "$s2" >/dev/null 2>&1
t_eq "stacked sandboxes commit in order" "one one" "$(cat "$w/st" "$w/st.copy" | tr '\n' ' ' | sed 's/ $//')"
t_check "... including the later one's deletion" test ! -e "$w/st.tmp"

# A commit that fails has its own status and message; the command's status is not it.
mkdir -p "$w/imm"
sb=$(hs_nt sandbox -n -- sh -c "echo x >'$w/imm/f'; echo y >'$w/imm2'" 2>"$tmp/err")
if [ "$(id -u)" -eq 0 ] && chattr +i "$w/imm" 2>/dev/null; then
	hs_nt sandbox commit -y "$sb" >/dev/null 2>"$tmp/err"
	rc=$?
	chattr -i "$w/imm"
	t_check "commit failure: status 124 and a message naming the path" sh -c "[ $rc -eq 124 ] && grep -q '$w/imm' '$tmp/err'"
	t_check "... nothing half-written, the sandbox kept" sh -c "test ! -e '$w/imm/f' && test -d '$sb'"
else
	t_skip "commit failure status" "needs root and chattr +i on $w"
fi

# A dir on the way to hs's hidden state dir ($tmp here) keeps its xattrs through a commit
# (the hidden state dir is a whiteout in a scratch layer whose dirs mirror the live ones).
if setfattr -n user.hs_test -v kept "$tmp" 2>/dev/null; then
	hs_nt sandbox -y -- sh -c "echo x >'$tmp/next-to-state'" >/dev/null 2>&1
	t_eq "xattrs of a dir next to the state dir survive a commit" kept "$(getfattr --only-values -n user.hs_test "$tmp" 2>/dev/null)"
	t_check "... and the change was committed" test -f "$tmp/next-to-state"
else
	t_skip "xattrs next to the state dir" "no user xattrs on $tmp"
fi

# A change on another mounted file system commits there (its upper lies on that fs).
if [ "$(id -u)" -eq 0 ] && mkdir -p "$w/fs" && mount -t tmpfs hs-commit-fs "$w/fs"; then
	echo old >"$w/fs/f"
	hs_nt sandbox -y -- sh -c "echo new >'$w/fs/f'; echo n >'$w/fs/g'" >/dev/null 2>&1
	t_eq "a change on another file system is committed there" "new n" "$(cat "$w/fs/f" "$w/fs/g" | tr '\n' ' ' | sed 's/ $//')"
	t_eq "... and its upper place is gone" "" "$(ls -A "$w/fs" | grep hs-sandboxes)"
	umount "$w/fs"
else
	t_skip "commit on another file system" "needs root to mount a tmpfs"
fi

hs_nt sandbox recover >/dev/null 2>&1
t_eq "recover with nothing to do: status 0" 0 "$?"
t_done
