# hs trace: exact read/write sets of small tracees, for both backends (notif and ptrace).
# Each case runs in a fresh directory; the records under that directory must equal the
# expected set exactly (records elsewhere: libc, ld.so, locale files, are not compared).
. "$(dirname "$0")/../lib.sh"
C=$HS_HELPERS/trace_cases

# sets DIR: the JSON records of DIR.json under DIR, as "read KINDS REL [absent]" and
# "write KINDS REL" lines, sorted (REL "." is DIR itself).
sets() {
	local d=$1
	sed -nE "s#^\{\"type\":\"read\",\"path\":\"$d(/[^\"]*)?\",\"kinds\":\[([^]]*)\],\"absent\":(true|false).*#read \2 .\1 \3#p
s#^\{\"type\":\"write\",\"path\":\"$d(/[^\"]*)?\",\"kinds\":\[([^]]*)\]\}#write \2 .\1#p" "$d.json" |
		tr -d '"' | sed -E 's# \./# #; s# \. # . #; s# false$##; s# true$# absent#' | sort
}

# expect LINES...: the expected set, sorted.
expect() { printf '%s\n' "$@" | sort; }

# case NAME SETUP EXPECTED_LINES... : run `trace_cases NAME` after SETUP (a shell snippet) in
# a fresh directory, for backend $B; check exit status 0 and the exact set.
case_() {
	local name=$1 setup=$2 d
	shift 2
	d=$TESTS_TMP/$B-$name
	mkdir -p "$d"
	(cd "$d" && eval "$setup")
	(cd "$d" && "$HS" trace --json --backend "$B" -o "$d.json" -- "$C" "$name") 2>"$d.err"
	local rc=$?
	if [ $rc -ne 0 ]; then
		t_fail "$B: $name: tracee exit status $rc" "$(cat "$d.err")"
		return
	fi
	t_eq "$B: $name: exact set" "$(expect "$@")" "$(sets "$d")"
}

# flag DIR KIND DETAIL: the JSON of DIR has that flag.
has_flag() { grep -qF "{\"type\":\"flag\",\"kind\":\"$2\",\"detail\":\"$3\"}" "$1.json"; }

cat_path=$(readlink -f /bin/cat)
sh_path=$(readlink -f /bin/sh)

for B in notif ptrace; do
	# A static binary: no loader, no libc wrappers.
	d=$TESTS_TMP/$B-static
	mkdir -p "$d" && echo in >"$d/in"
	(cd "$d" && "$HS" trace --json --backend $B -o "$d.json" -- "$HS_HELPERS/trace_static")
	t_eq "$B: static binary: exact set" "$(expect 'read read in' 'write write,blind,create out')" \
		"$(sets "$d")"
	t_check "$B: static binary: no ELF interpreter read" sh -c "! grep -q ld-linux '$d.json'"
	t_check "$B: static binary: in exec list" \
		grep -qF "{\"type\":\"exec\",\"path\":\"$HS_HELPERS/trace_static\"}" "$d.json"

	case_ raw 'touch f g' 'read read f' 'read read g'
	case_ threads 'mkdir sub && touch sub/x x' 'read stat sub' 'read read sub/x'
	case_ unshare 'mkdir sub && touch y sub/y' 'read stat sub' 'read read y'
	# cat's fstat is newfstatat(fd, "", AT_EMPTY_PATH): a stat of the file read.
	case_ vfork 'echo 1 >f && echo 2 >g' 'read read,stat f' 'read read,stat g'
	t_eq "$B: vfork/posix_spawn: both execs listed" 2 \
		"$(grep -cF "{\"type\":\"exec\",\"path\":\"$cat_path\"}" "$TESTS_TMP/$B-vfork.json")"
	case_ dirfd 'mkdir d && touch d/f' 'read stat d' 'read read e/f' \
		'write write,remove,prefix d' 'write write,blind,create,prefix e'
	case_ fchdir 'mkdir d && touch d/f f' 'read stat d' 'read read d/f'
	case_ procfd 'touch f g' 'read read f' 'read read,stat g' 'write write g'
	case_ nofollow 'touch f && ln -s f l2 && ln -s l2 l1' 'read read l1' 'read stat l2'
	case_ rename 'touch tmp out x y z && mkdir dir1 && touch dir1/a' \
		'read stat dir1' 'read stat tmp' 'read stat x' 'read stat y' 'read stat z' \
		'write write,blind,create out' 'write write,create,remove x' \
		'write write,create,remove y' 'write write,blind,create,prefix dir2' \
		'write write,remove tmp' 'write write,remove,prefix dir1'
	case_ link 'touch a c && mkdir r' 'read list,stat r' 'read stat a' 'read stat b absent' \
		'read stat c' 'read stat m absent' 'read stat s absent' 'write meta a' \
		'write write,blind,remove c' 'write write,blind,remove,prefix r' \
		'write write,create b' 'write write,create m' 'write write,create s'
	case_ missing '' 'read stat nodir absent' 'read stat nofile absent'
	case_ excl 'touch f ap rw' 'read stat n absent' 'read stat f' 'read read ap' \
		'read read rw' 'write write,blind,create n' 'write write ap' 'write write rw'
	case_ truncate 'echo abcdef >f && echo abcdef >g' 'read stat f' 'read read g' \
		'write write,blind f' 'write write g'
	case_ meta 'touch f g h i' 'read read,stat f' 'read stat g' 'read stat h' 'read stat i' \
		'write meta f' 'write meta g' 'write meta i'
	case_ list 'mkdir d && touch d/x' 'read list,stat d'
	case_ rmcwd '' 'read list,stat gone absent' 'write write,blind,create,remove,prefix gone'
	case_ signals 'touch f' 'read stat f'
	case_ newcalls 'mkdir d && touch d/f f g h' 'read stat d' 'read read d/f' 'read stat g' \
		'read read,stat h'
	case_ pathpage 'touch f g' 'read read f' 'read read g'

	case_ iouring ''
	t_check "$B: io_uring denied and flagged" has_flag "$TESTS_TMP/$B-iouring" denied io_uring_setup
	case_ int80 'touch f g'
	t_check "$B: i386 int 0x80 open denied and flagged" \
		has_flag "$TESTS_TMP/$B-int80" foreign-abi "i386 syscall 5"
	t_check "$B: x32 openat denied and flagged" \
		has_flag "$TESTS_TMP/$B-int80" foreign-abi "x32 syscall 257"
	case_ unknown ''
	t_check "$B: unknown syscall number denied and flagged" \
		has_flag "$TESTS_TMP/$B-unknown" unknown-syscall "syscall 500"
	case_ net ''
	t_check "$B: TCP socket and DNS lookup flagged" \
		has_flag "$TESTS_TMP/$B-net" network "socket family 2"
	t_eq "$B: only network flags (socketpair not flagged)" 0 \
		"$(grep '"type":"flag"' "$TESTS_TMP/$B-net.json" | grep -vc '"kind":"network"')"
	case_ dns ''
	t_check "$B: DNS lookup flagged" grep -q '"kind":"network"' "$TESTS_TMP/$B-dns.json"
	d=$TESTS_TMP/$B-net_allowed
	mkdir -p "$d"
	(cd "$d" && "$HS" trace --json --allow-net --backend $B -o "$d.json" -- "$C" net_allowed)
	t_eq "$B: --allow-net lets the socket through" 0 $?
	t_check "$B: --allow-net still flags" has_flag "$d" network "socket family 2"
	case_ unix "'$C' mksock" 'read stat mine.sock absent' 'read stat outside.sock' \
		'write write,create mine.sock'
	t_check "$B: connect outside the tree flagged" \
		has_flag "$TESTS_TMP/$B-unix" external-ipc "connect $TESTS_TMP/$B-unix/outside.sock"

	# Scripts: #! interpreters, symlink chains and loops.
	d=$TESTS_TMP/$B-script
	mkdir -p "$d" && echo x >"$d/f" && printf '#!/bin/sh\ncat f\n' >"$d/s.sh" && chmod +x "$d/s.sh"
	(cd "$d" && "$HS" trace --json --backend $B -o "$d.json" -- ./s.sh >/dev/null)
	t_eq "$B: #! script: exact set" "$(expect 'read read,stat f' 'read read,exec s.sh' 'read stat .')" \
		"$(sets "$d")"
	t_check "$B: #! script: interpreter recorded as exec" \
		grep -qE "\"path\":\"$sh_path\",\"kinds\":\[\"read\",\"exec\"" "$d.json"
	t_check "$B: #! script: in exec list" grep -qF "{\"type\":\"exec\",\"path\":\"$d/s.sh\"}" "$d.json"

	d=$TESTS_TMP/$B-links
	mkdir -p "$d" && echo x >"$d/f" && ln -s f "$d/l2" && ln -s l2 "$d/l1" && ln -s loop "$d/loop"
	(cd "$d" && "$HS" trace --json --backend $B -o "$d.json" -- cat l1 loop >/dev/null 2>&1)
	t_eq "$B: symlink chain and loop: exact set" \
		"$(expect 'read read,stat f' 'read read l1' 'read read l2' 'read read loop')" "$(sets "$d")"

	# cd into a symlinked directory, then ../x: `..` is physical (real/x, not ./x).
	d=$TESTS_TMP/$B-dotdot
	mkdir -p "$d/real/sub" && ln -s real/sub "$d/link" && echo x >"$d/real/x" && echo y >"$d/x"
	(cd "$d" && "$HS" trace --json --backend $B -o "$d.json" -- sh -c 'cd link && cat ../x' >/dev/null)
	t_eq "$B: cd symlink; cat ../x: exact set" \
		"$(expect 'read stat .' 'read read link' 'read stat real/sub' 'read read,stat real/x')" \
		"$(sets "$d")"

	# PATH search: the misses are absent reads, the hit an exec.
	d=$TESTS_TMP/$B-path
	mkdir -p "$d/a" "$d/b" "$d/c" && cp /bin/true "$d/c/foo"
	(cd "$d" && PATH="$d/a:$d/b:$d/c" "$HS" trace --json --backend $B -o "$d.json" -- foo)
	t_eq "$B: PATH search: exact set" \
		"$(expect 'read stat a/foo absent' 'read stat b/foo absent' 'read read,exec c/foo')" \
		"$(sets "$d")"

	# /dev/stdin -> /proc/self/fd/0 -> the file: a read of the file, not of the name.
	d=$TESTS_TMP/$B-devstdin
	mkdir -p "$d" && echo x >"$d/f"
	(cd "$d" && "$HS" trace --json --backend $B -o "$d.json" -- sh -c 'cat /dev/stdin <f' >/dev/null)
	t_eq "$B: cat /dev/stdin < f: exact set" "$(expect 'read read,stat f' 'read stat .')" \
		"$(sets "$d")"

	# A daemonised grandchild that outlives its parent is traced until it exits.
	d=$TESTS_TMP/$B-daemon
	mkdir -p "$d" && echo hello >"$d/f" && echo hi >"$d/f2"
	(cd "$d" && "$HS" trace --json --backend $B -o "$d.json" -- sh -c \
		'(sleep 0.3; cat f >g) & setsid sh -c "(sleep 0.4; cat f2 >g2) &" ; exit 0')
	t_eq "$B: daemonised grandchildren finished before hs trace returned" "hello hi" \
		"$(cat "$d/g" "$d/g2" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
	t_eq "$B: daemonised grandchildren: exact set" \
		"$(expect 'read read,stat f' 'read read,stat f2' 'read stat .' \
			'read stat,after-write g' 'read stat,after-write g2' \
			'write write,blind,create g' 'write write,blind,create g2')" "$(sets "$d")"

	"$HS" trace --backend $B -o /dev/null -- sh -c 'exit 3'
	t_eq "$B: exit status passed through" 3 $?
	"$HS" trace --backend $B -o /dev/null -- sh -c 'kill -9 $$'
	t_eq "$B: killed by a signal: 128+signo" 137 $?

	d=$TESTS_TMP/$B-stdin
	echo hi | "$HS" trace --json --backend $B -o "$d.json" -- cat >/dev/null
	t_check "$B: reading the caller's stdin flagged" has_flag "$d" stdin "read the caller's stdin"
	echo hi >"$d.in"
	"$HS" trace --json --backend $B -o "$d.2.json" -- cat "$d.in" </dev/null >/dev/null
	t_check "$B: no stdin flag when stdin is not read" sh -c "! grep -q '\"kind\":\"stdin\"' '$d.2.json'"

	d=$TESTS_TMP/$B-suid
	mkdir -p "$d" && cp /bin/true "$d/suid" && chmod 4755 "$d/suid"
	"$HS" trace --json --backend $B -o "$d.json" -- "$d/suid"
	t_check "$B: setuid exec flagged" has_flag "$d" setuid-exec "$d/suid"
done

# Nested: the inner hs trace cannot add a second listener (EBUSY) and falls back to ptrace.
d=$TESTS_TMP/nested
mkdir -p "$d" && echo x >"$d/f"
(cd "$d" && "$HS" trace --json -o "$d.json" -- "$HS" trace --stats --json -o "$d.inner.json" \
	-- cat f >/dev/null 2>"$d.err")
t_check "nested trace falls back to ptrace" grep -q "backend ptrace" "$d.err"
# The outer USER_NOTIF+CONTINUE overrides the inner RET_TRACE (seccomp precedence): the inner
# tracer cannot see the syscalls, and must say so rather than report an empty set.
t_check "nested trace: inner flags its records as incomplete" grep -q '"kind":"lost"' "$d.inner.json"
t_check "nested trace: outer records the read" grep -qF "\"path\":\"$d/f\"" "$d.json"

out=$("$HS" trace -- true 2>&1)
t_check "human output has the four sections" sh -c "echo '$out' | grep -q '^reads (' &&
	echo '$out' | grep -q '^writes (' && echo '$out' | grep -q '^execs (' &&
	echo '$out' | grep -q '^flags ('"
"$HS" trace --backend bogus -- true 2>/dev/null
t_eq "bad backend is a usage error" 2 $?

t_done
