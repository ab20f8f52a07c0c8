# The tracer's write set covers what an overlay captured: run commands under hs trace on a
# directory covered by an overlay (in a private mount namespace), then check that every entry
# of the upperdir is in the write set (a copied-up directory may instead hold a written path).
# Stands in for the cross-check against the sandbox module until that lands in main.
. "$(dirname "$0")/../lib.sh"

d=$TESTS_TMP/live
u=$TESTS_TMP/upper
w=$TESTS_TMP/work
mkdir -p "$d" "$u" "$w"
mkdir -p "$d/src/sub" "$d/keep" "$d/olddir"
echo 1 >"$d/existing"; echo 2 >"$d/old"; echo 3 >"$d/m1"; echo 4 >"$d/c"; echo 5 >"$d/h"
echo 6 >"$d/src/sub/f"; echo 7 >"$d/keep/k"; echo 8 >"$d/t"; echo 9 >"$d/olddir/x"

if [ "$(id -u)" -eq 0 ]; then unshare_cmd="unshare -m"; else unshare_cmd="unshare -Urm"; fi
if ! $unshare_cmd true 2>/dev/null; then
	t_skip "overlay cross-check" "no mount namespace available"
	t_done
	exit
fi

for B in notif ptrace; do
	rm -rf "$u" "$w" && mkdir -p "$u" "$w"
	$unshare_cmd sh -c "
		mount --make-rprivate / &&
		mount -t overlay overlay -o lowerdir=$d,upperdir=$u,workdir=$w $d || exit 99
		cd $d && '$HS' trace --json --backend $B -o '$TESTS_TMP/$B.json' -- sh -c '
			echo a >new; echo b >>existing; rm old; mv m1 m2; mkdir -p x/y/z
			touch -d @0 t; chmod 600 c; ln h h2; cp -r src dst; rm -r olddir
			echo tmp >scratch; rm scratch; cat keep/k >/dev/null'
	"
	rc=$?
	if [ $rc -eq 99 ]; then
		t_skip "$B: overlay cross-check" "cannot mount an overlay here"
		continue
	fi
	t_eq "$B: commands under the overlay succeeded" 0 $rc
	writes=$(sed -n 's#^{"type":"write","path":"\([^"]*\)".*#\1#p' "$TESTS_TMP/$B.json")
	missing=
	for e in $(cd "$u" && find . -mindepth 1 | sed 's#^\./##'); do
		p=$d/$e
		if printf '%s\n' "$writes" | grep -qxF "$p"; then continue; fi
		# A directory copied up because something below it was written.
		if [ -d "$u/$e" ] && printf '%s\n' "$writes" | grep -q "^$p/"; then continue; fi
		missing="$missing $e"
	done
	t_eq "$B: every upperdir entry is in the write set" "" "$missing"
	t_check "$B: the upperdir is not empty (the overlay captured the writes)" \
		test -e "$u/new" -a -e "$u/m2" -a -e "$u/dst/sub/f"
	t_check "$B: the live directory is untouched" test ! -e "$d/new" -a -e "$d/old"
done

t_done
