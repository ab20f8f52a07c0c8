# hs against dash in the ways a user starts a shell (not only `hs script.sh`): script on
# stdin, -c, -s with args, sh options (-e -x -v -u -f -C), a missing script, a directory,
# the script killed by its own signal and by a Ctrl-C-like SIGINT to the process group.
# Each case runs both shells in the same fresh directory path and compares stdout, stderr,
# the way the process ended (exit code or signal, via tests/helpers/wstatus) and the files.
. "$(dirname "$0")/../lib.sh"
tmp=$TESTS_TMP
W=$HS_HELPERS/wstatus
# Known differences (name per line): printed "not ok ... # TODO" instead of failing.
known=""

snap() { (cd "$1" && find . -mindepth 1 -printf '%P %y %m\n' | LC_ALL=C sort && find . -type f -exec cat {} + ); }

# case NAME STDIN_FILE SHELL_ARGS...: run "$W dash ARGS" and "$W hs ARGS", compare.
case_() {
	local name=$1 in=$2 who
	shift 2
	for who in dash hs; do
		rm -rf "$tmp/run"
		mkdir "$tmp/run"
		cp "$tmp"/*.sh "$tmp/run/" 2>/dev/null
		local sh=dash
		[ "$who" = hs ] && sh=$HS
		(cd "$tmp/run" && env -i PATH="$PATH" LC_ALL=C HOME="$tmp" "$W" "${KILL[@]}" "$sh" "$@" \
			<"$in" >"$tmp/$who.out" 2>"$tmp/$who.err")
		snap "$tmp/run" >"$tmp/$who.tree"
	done
	local d
	d=$(for f in out err tree; do diff -u --label "dash.$f" --label "hs.$f" "$tmp/dash.$f" "$tmp/hs.$f"; done)
	if [ -z "$d" ]; then
		t_pass "$name"
	elif printf '%s\n' $known | grep -qx "$name"; then
		_t_n=$((_t_n + 1))
		echo "not ok $_t_n - $name # TODO known engine bug"
		printf '%s\n' "$d" | sed 's/^/#   /'
	else
		t_fail "$name" "$d"
	fi
}
KILL=()

cat >"$tmp/s.sh" <<'S'
env echo "0=$0 #=$# 1=${1-} 2=${2-}"
sort -r /dev/null > sorted
x=$(env echo sub)
env echo "x=$x"
no_such_command_xyz
env echo after
S
cat >"$tmp/readself.sh" <<'S'
read line
env echo "read: $line"
this line is read by the read builtin when the script comes on stdin
env echo end
S
printf 'env echo one\nfalse\nenv echo two\n' >"$tmp/e.sh"
printf 'env echo "${undefined_var}"\nenv echo reached\n' >"$tmp/u.sh"
printf 'env echo *\nset -C\nenv echo a > e.sh\nenv echo rc=$?\n' >"$tmp/fc.sh"
printf 'env echo before > before\nkill -TERM $$\nenv echo after > after\n' >"$tmp/kill.sh"
printf 'env echo start > start\nsleep 2\nenv echo end > end\n' >"$tmp/slow.sh"
printf 'trap "env echo caught > trapped; exit 5" INT\nenv echo start\nsleep 2\nenv echo end\n' >"$tmp/trap.sh"
: >"$tmp/empty"

case_ "script file with args" "$tmp/empty" s.sh a "b c"
case_ "script on stdin" "$tmp/s.sh" -s
case_ "script on stdin, -s with args" "$tmp/s.sh" -s one two
case_ "script on stdin read by its own read builtin" "$tmp/readself.sh"
case_ "-c with \$0 and args" "$tmp/empty" -c 'env echo "$0 $1"; ls; exit 3' zero one
case_ "-e option stops at false" "$tmp/empty" -e e.sh
case_ "-u option: unset variable is an error" "$tmp/empty" -u u.sh
case_ "-f and -C options" "$tmp/empty" -f fc.sh
case_ "-C option" "$tmp/empty" -C fc.sh
case_ "-x option traces the original commands" "$tmp/empty" -x s.sh
case_ "-v option" "$tmp/empty" -v s.sh
case_ "-o errexit form" "$tmp/empty" -o errexit e.sh
case_ "missing script" "$tmp/empty" no-such-script.sh
case_ "a directory as the script" "$tmp/empty" .
case_ "script killed by its own SIGTERM" "$tmp/empty" kill.sh
KILL=(-k 2 -t 300)
case_ "SIGINT to the process group mid-script" "$tmp/empty" slow.sh
case_ "SIGINT caught by a trap" "$tmp/empty" trap.sh
KILL=(-k 15 -t 300)
case_ "SIGTERM to the process group mid-script" "$tmp/empty" slow.sh
t_done
