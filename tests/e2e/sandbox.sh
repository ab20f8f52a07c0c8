# hs sandbox: isolation (nothing escapes), fidelity (status, fds, cwd, env), namespaces
# (net, pid), stacking, unprivileged mode, bad input.
. "$(dirname "$0")/../lib.sh"
tmp=$TESTS_TMP
export HS_STATE_DIR=$tmp/state
tag=hs-esc-$$

if [ "$(id -u)" -ne 0 ]; then
	t_skip "sandbox suite" "needs root to create the victim files on every mount"
	t_done
	exit
fi

# Nested mounts of our own: a tmpfs with another tmpfs inside (each needs its own overlay,
# in mount order, and an upper place on its own file system).
nest=$tmp/nest
mkdir -p "$nest"
if mount -t tmpfs hs-nest "$nest" && mkdir -p "$nest/inner" && mount -t tmpfs hs-inner "$nest/inner"; then
	nested=1
else
	nested=0
fi
umount_nest() { [ "$nested" = 1 ] && { umount "$nest/inner"; umount "$nest"; }; }

# Every writable host mount we can see, besides the fixed ones: the command writes there too.
dirs="/ /etc /tmp /var /root"
for m in $(findmnt -rn -o TARGET,OPTIONS,FSTYPE | awk '$2 ~ /^rw/ && $3 !~ /^(proc|sysfs|devtmpfs|devpts|cgroup2?|mqueue|debugfs|tracefs|securityfs|pstore|bpf|configfs|fusectl|binfmt_misc|hugetlbfs|autofs)$/ {print $1}'); do
	case $m in /proc* | /sys* | /dev*) continue ;; esac
	case " $dirs " in *" $m "*) continue ;; esac
	[ -d "$m" ] && [ -w "$m" ] && dirs="$dirs $m"
done
for d in $dirs; do
	echo old >"${d%/}/$tag.victim"
	mkdir -p "${d%/}/$tag.vdir" && echo keep >"${d%/}/$tag.vdir/f"
done
cleanup_victims() { for d in $dirs; do rm -rf "${d%/}/$tag".*; done; }
trap 'cleanup_victims; umount_nest; rm -rf "$TESTS_TMP"' EXIT

script='for d in '"$dirs"'; do
	d=${d%/}
	echo new >"$d/'"$tag"'.victim" || exit 10
	echo created >"$d/'"$tag"'.new" || exit 11
	rm -rf "$d/'"$tag"'.vdir" || exit 12
	mkdir "$d/'"$tag"'.newdir" || exit 13
	[ "$(cat "$d/'"$tag"'.victim")" = new ] || exit 14
done'
"$HS" sandbox -n -- sh -c "$script" >"$tmp/out" 2>"$tmp/err"
rc=$?
t_eq "writes on every writable mount work inside ($dirs)" 0 "$rc"
sb=$(cat "$tmp/out")
escaped=
for d in $dirs; do
	d=${d%/}
	[ "$(cat "$d/$tag.victim")" = old ] || escaped="$escaped $d/$tag.victim(modified)"
	[ -e "$d/$tag.new" ] && escaped="$escaped $d/$tag.new(created)"
	[ -e "$d/$tag.newdir" ] && escaped="$escaped $d/$tag.newdir(created)"
	[ -f "$d/$tag.vdir/f" ] || escaped="$escaped $d/$tag.vdir(deleted)"
done
t_eq "nothing escapes to the live file system" "" "$escaped"
if [ "$nested" = 1 ]; then
	case " $dirs " in
	*" $nest/inner "*) t_pass "nested mounts are covered (writes worked in $nest/inner)" ;;
	*) t_fail "nested mounts are covered" "$nest/inner not among $dirs" ;;
	esac
	t_check "the nested mount's upper lies on its own file system" sh -c "ls -d '$nest/inner/.hs-sandboxes/$(basename "$sb")/u/'* >/dev/null"
	t_check "... and is hidden inside" sh -c "! '$HS' sandbox -d -- ls -a '$nest/inner' | grep -q hs-sandboxes"
else
	t_skip "nested mounts are covered" "cannot mount tmpfs here"
fi
t_check "-n prints a sandbox dir that hs recognises" test -f "$sb/hs-sandbox"
t_check "the change is captured in an upper dir" sh -c "cat '$sb'/u*/etc/$tag.victim | grep -qx new"

# The top level of / looks the same inside: names, types, modes, owners, link targets.
top() { for f in /* /.[!.]*; do [ -e "$f" ] || [ -L "$f" ] || continue; case $f in /proc | /sys | /dev) continue ;; esac; stat -c '%n %F %a %u %g %N' "$f"; done; }
t_eq "top-level entries of / are the same inside" "$(top)" "$("$HS" sandbox -d -- bash -c "$(declare -f top); top")"

# -D: a sandbox in a given dir; a dir that already is one is refused.
out=$("$HS" sandbox -n -D "$tmp/mysb" -- true)
t_eq "-D DIR puts the sandbox there" "$tmp/mysb" "$out"
"$HS" sandbox -n -D "$tmp/mysb" -- true >/dev/null 2>"$tmp/err"; rc=$?
t_check "-D on an existing sandbox is refused" sh -c "[ $rc -ne 0 ] && grep -q 'already a sandbox' '$tmp/err'"

mkdir -p "$tmp/full" && echo mine >"$tmp/full/keep"
"$HS" sandbox -n -D "$tmp/full" -- true >/dev/null 2>"$tmp/err"; rc=$?
t_check "-D on a dir holding files is refused, the files kept" sh -c "[ $rc -ne 0 ] && grep -q 'not empty' '$tmp/err' && [ \"\$(cat '$tmp/full/keep')\" = mine ]"

# Odd bytes in the state dir and cwd (space, colon, comma, backslash) reach overlay intact.
odd="$tmp/o d:d,x\\y"
mkdir -p "$odd/cwd"
out=$(cd "$odd/cwd" && HS_STATE_DIR="$odd/state" "$HS" sandbox -n -- sh -c 'echo hi >f; pwd; cat f')
t_eq "odd bytes in paths" "$odd/cwd
hi
$odd/state/sandboxes/$(basename "$(echo "$out" | tail -n 1)")" "$out"
t_check "... and nothing escaped there" test ! -e "$odd/cwd/f"

# hs's own state is invisible inside.
"$HS" sandbox -d -- sh -c "ls -a '$tmp'; test -e '$HS_STATE_DIR' && echo VISIBLE" >"$tmp/out" 2>&1
t_check "hs state dir is hidden inside" sh -c "! grep -q -e VISIBLE -e state '$tmp/out'"

# Exit status, signals.
"$HS" sandbox -d -- sh -c 'exit 42'; t_eq "exit status comes back" 42 "$?"
"$HS" sandbox -d -- sh -c 'kill -TERM $$'; t_eq "killed by SIGTERM gives 143" 143 "$?"
"$HS" sandbox -d -- sh -c 'kill -KILL $$'; t_eq "killed by SIGKILL gives 137" 137 "$?"
"$HS" sandbox -d -- no-such-command-hs 2>"$tmp/err"; rc=$?
t_eq "command not found gives 127" 127 "$rc"
t_check "command not found is named" grep -q no-such-command-hs "$tmp/err"

# stdin, stdout, stderr.
out=$(echo from-stdin | "$HS" sandbox -d -- sh -c 'cat; echo to-err >&2' 2>"$tmp/err")
t_eq "stdin reaches the command, stdout comes back" from-stdin "$out"
t_eq "stderr comes back" to-err "$(cat "$tmp/err")"

# cwd and environment are the same inside.
mkdir -p "$tmp/cwd dir"
# (bash sets $_ to the program it runs: hs on one side, sh on the other.)
inside=$(cd "$tmp/cwd dir" && HS_T_VAR='a b' "$HS" sandbox -d -- sh -c 'pwd; env | grep -v "^_=" | sort')
outside=$(cd "$tmp/cwd dir" && HS_T_VAR='a b' sh -c 'pwd; env | grep -v "^_=" | sort')
t_eq "cwd and environment inside equal outside" "$outside" "$inside"

# Network: only loopback, up; nothing else reachable.
nets=$("$HS" sandbox -d -- sh -c "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '")
t_eq "only lo in the network namespace" lo "$nets"
"$HS" sandbox -d -- bash -c 'exec 3<>/dev/tcp/1.1.1.1/53' 2>"$tmp/err"; rc=$?
t_check "outside addresses are unreachable" sh -c "[ $rc -ne 0 ] && grep -qi unreachable '$tmp/err'"
"$HS" sandbox -d -- bash -c 'exec 3<>/dev/tcp/127.0.0.1/9' 2>"$tmp/err"; rc=$?
t_check "loopback is up (connection refused, not unreachable)" sh -c "[ $rc -ne 0 ] && grep -qi refused '$tmp/err'"

# /proc shows only the sandbox's processes: init (1), the shell and its pipeline.
pids=$("$HS" sandbox -d -- sh -c 'ls /proc | grep -E "^[0-9]+$" | sort -n | tr "\n" " "')
t_check "/proc shows only the sandbox's pids ($pids)" sh -c "[ \"\$(echo $pids | cut -d' ' -f1)\" = '1' ] && [ $(echo $pids | wc -w) -le 6 ] && [ $(echo $pids | awk '{print $NF}') -le 10 ]"
t_check "/sys is read-only" sh -c "! '$HS' sandbox -d -- sh -c 'touch /sys/hs-x' 2>/dev/null"
"$HS" sandbox -d -- sh -c "echo y >/dev/shm/$tag.shm"
t_check "/dev/shm is private" test ! -e "/dev/shm/$tag.shm"
if id=$(ipcmk -M 4096 2>/dev/null | grep -o '[0-9]*$'); then
	inside=$("$HS" sandbox -d -- ipcs -m | grep -cw "$id")
	ipcrm -m "$id"
	t_eq "own IPC namespace: the host's shared memory is not visible" 0 "$inside"
else
	t_skip "own IPC namespace" "ipcmk failed"
fi
"$HS" sandbox -d -- sh -c 'test -e /dev/tty' </dev/null
t_eq "no /dev/tty for a run without a terminal" 1 "$?"
if command -v script >/dev/null; then
	out=$(script -qec "'$HS' sandbox -d -- sh -c 'test -c /dev/tty && tty >/dev/null && echo tty-ok'" /dev/null | tr -d '\r')
	t_eq "on a terminal, hs sandbox passes /dev/tty and the pty resolves" tty-ok "$out"
else
	t_skip "terminal passing" "no script(1)"
fi
t_check "/dev/null and /dev/shm work" "$HS" sandbox -d -- sh -c 'echo x >/dev/null && echo y >/dev/shm/f && cat /dev/shm/f >/dev/null && ! test -e /dev/sda'

# Stacking: a sandbox sees the changes of the one below it; the live fs sees nothing.
s1=$("$HS" sandbox -n -- sh -c "echo one >/tmp/$tag.stack; echo a >/tmp/$tag.a")
s2=$("$HS" sandbox -L "$s1" -- sh -c "cat /tmp/$tag.stack >/tmp/$tag.seen; echo two >/tmp/$tag.stack; rm /tmp/$tag.a")
out=$("$HS" sandbox -L "$s1" -L "$s2" -d -- sh -c "cat /tmp/$tag.seen /tmp/$tag.stack; test -e /tmp/$tag.a && echo a-visible")
t_eq "stacked sandboxes: later over earlier" "one
two" "$out"
t_check "stacked sandboxes leave the live fs alone" sh -c "! test -e /tmp/$tag.stack"
"$HS" sandbox -n -D "$tmp/low" -- sh -c "echo l >/tmp/$tag.low" >/dev/null
out=$("$HS" sandbox -L "$tmp/low" -d -- sh -c "cat /tmp/$tag.low; ls '$tmp'")
t_check "a stacked sandbox outside the state dir is used and hidden" sh -c "echo '$out' | grep -qx l && ! echo '$out' | grep -qx low"

# Bad input: clear message, nonzero status, nothing changed.
"$HS" sandbox 2>"$tmp/err"; rc=$?
t_check "missing command: status 2 and a message" sh -c "[ $rc -eq 2 ] && grep -q 'missing command' '$tmp/err'"
"$HS" sandbox summary "$tmp/nonexistent" 2>"$tmp/err"; rc=$?
t_check "nonexistent sandbox dir: nonzero and named" sh -c "[ $rc -ne 0 ] && grep -q nonexistent '$tmp/err'"
mkdir -p "$tmp/notsb" && echo x >"$tmp/notsb/file"
"$HS" sandbox commit -y "$tmp/notsb" 2>"$tmp/err"; rc=$?
t_check "a dir that is not a sandbox: nonzero, says so" sh -c "[ $rc -ne 0 ] && grep -q 'not a sandbox' '$tmp/err'"
t_check "... and is left alone" sh -c "[ \"\$(ls '$tmp/notsb')\" = file ]"
sbw=$("$HS" sandbox -n -- true) && chmod 777 "$sbw"
"$HS" sandbox summary "$sbw" 2>"$tmp/err"; rc=$?
t_check "a sandbox others may write is not trusted" sh -c "[ $rc -ne 0 ] && grep -q 'writable by others' '$tmp/err'"
chmod 700 "$sbw" && sed -i "s|^overlay / [^ ]*|overlay / /etc|" "$sbw/hs-sandbox"
"$HS" sandbox commit -y "$sbw" 2>"$tmp/err"; rc=$?
t_check "a description pointing at foreign upper dirs is refused" sh -c "[ $rc -ne 0 ] && grep -q 'is not its own' '$tmp/err'"
"$HS" sandbox -L "$tmp/notsb" -- true 2>"$tmp/err"; rc=$?
t_check "stacking a non-sandbox fails clearly" sh -c "[ $rc -ne 0 ] && grep -q 'not a sandbox' '$tmp/err'"

# A missing kernel feature is named: user namespaces switched off (in a user namespace of
# our own, whose limit we may set without touching the host's).
if unshare -U -r true 2>/dev/null; then
	unshare -U -r sh -c "echo 0 >/proc/sys/user/max_user_namespaces && exec '$HS' sandbox -d -- true" 2>"$tmp/err"
	rc=$?
	t_check "disabled user namespaces: status 125 and the feature named" sh -c "[ $rc -eq 125 ] && grep -q 'user namespaces are disabled' '$tmp/err'"
	out=$(unshare -U -r "$HS" sandbox -d -- sh -c "echo x >/etc/$tag.userns-root && cat /etc/$tag.userns-root" 2>&1)
	t_check "root of a user namespace takes the user mode ($out)" sh -c "[ '$out' = x ] && ! test -e /etc/$tag.userns-root"
else
	t_skip "disabled user namespaces are named" "cannot create a user namespace here"
fi

# Unprivileged mode: an ordinary user, own uid mapped, userxattr.
chmod 755 "$tmp"
mkdir -p "$tmp/u" && chmod 777 "$tmp/u"
unpriv() { setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$tmp/u" HS_STATE_DIR="$tmp/u/state" "$@"; }
if ! unpriv unshare -Ur true 2>/dev/null; then
	t_skip "unprivileged mode" "unprivileged user namespaces are disabled on this host"
else
	# (files of other owners cannot be copied up with a one-uid map: EOVERFLOW, see docs)
	echo old >"$tmp/u/victim" && chown nobody:nogroup "$tmp/u/victim"
	out=$(cd "$tmp/u" && unpriv "$HS" sandbox -n -- sh -c 'id -u; echo new >victim; echo x >/tmp/'"$tag"'.unpriv; cat victim; ls /proc | grep -c "^[0-9]"' 2>"$tmp/err")
	rc=$?
	[ "$rc" -eq 0 ] || cat "$tmp/err" | sed 's/^/# /'
	t_eq "unprivileged: runs as the user itself" 65534 "$(echo "$out" | sed -n 1p)"
	t_eq "unprivileged: writes work inside" new "$(echo "$out" | sed -n 2p)"
	unpriv "$HS" sandbox -d -- sh -c 'touch /hs-unpriv-x 2>/dev/null || echo denied; touch /usr/hs-unpriv-x 2>/dev/null || echo denied' >"$tmp/out" 2>&1
	t_eq "unprivileged: dirs the user may not write stay unwritable" "denied
denied" "$(cat "$tmp/out")"
	s1=$(cd "$tmp/u" && unpriv "$HS" sandbox -n -- sh -c "echo one >'$tmp/u/st'; echo t >/tmp/$tag.ust" 2>"$tmp/err")
	out2=$(cd "$tmp/u" && unpriv "$HS" sandbox -L "$s1" -d -- sh -c "cat '$tmp/u/st' /tmp/$tag.ust" 2>&1)
	t_eq "unprivileged: stacked sandboxes" "one
t" "$out2"
	t_check "unprivileged: nothing escapes" sh -c "[ \"\$(cat '$tmp/u/victim')\" = old ] && ! test -e /tmp/$tag.unpriv && ! test -e /tmp/$tag.ust && ! test -e '$tmp/u/st'"
	sb=$(echo "$out" | tail -n 1)
	t_eq "unprivileged: the change is captured in an upper dir" new "$(cat $(find "$sb" -path '*/u*' -name victim) 2>&1)"
	unpriv "$HS" sandbox summary "$HS_STATE_DIR/run" 2>"$tmp/err"; rc=$?
	t_check "no permission: nonzero and a clear message" sh -c "[ $rc -ne 0 ] && grep -qi 'permission denied' '$tmp/err'"
fi
t_done
