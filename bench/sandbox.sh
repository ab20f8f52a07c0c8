#!/bin/sh
# Sandbox cost: create + run `true` + destroy, against `true` run bare and `unshare -m true`,
# measured side by side in one run. Two views:
#  1. in-process (what the scheduler pays): bench/sandbox_loop.c, N rounds of
#     hs_sandbox_new + hs_sandbox_run + hs_sandbox_destroy, vs fork+exec+wait of the same
#     commands from one process (posix_spawn-free: /usr/bin/time-like loop in sh is too slow);
#  2. whole processes (what a user pays): hyperfine of `hs sandbox -d -- true`.
# Needs root (or unprivileged user namespaces). 2 cores on the reference machine; other
# load on the machine shows up in every row alike.
set -e
cd "$(dirname "$0")/.."
N=${N:-300}
B=${HS_BUILD:-build}
mkdir -p "$B/bench"
export HS_STATE_DIR=${HS_STATE_DIR:-/var/tmp/hs-bench-sandbox}
cc -O2 -std=gnu11 -D_GNU_SOURCE -I. -o "$B/bench/sandbox_loop" bench/sandbox_loop.c "$B/libhs.a" \
	$(pkg-config --libs mount) -lpthread
cc -O2 -std=gnu11 -D_GNU_SOURCE -o "$B/bench/spawn_loop" bench/spawn_loop.c

echo "kernel $(uname -r), $(nproc) cores, $(id -un), state dir $HS_STATE_DIR on $(findmnt -no FSTYPE -T "$(dirname "$HS_STATE_DIR")")"
"$B/bench/sandbox_loop" 20 true >/dev/null # warm up: pool, page cache
bare=$("$B/bench/spawn_loop" "$N" true)
unsh=$("$B/bench/spawn_loop" "$N" unshare -m true)
set -- $("$B/bench/sandbox_loop" "$N" true)
sb=$1
printf '%-44s %9s %9s\n' "in-process, mean of $N rounds" "ms" "ratio"
printf '%-44s %9.3f %9s\n' "fork+exec+wait true" "$bare" "1.0"
printf '%-44s %9.3f %9.1f\n' "fork+exec+wait unshare -m true" "$unsh" "$(echo "$unsh / $bare" | bc -l)"
printf '%-44s %9.3f %9.1f\n' "hs_sandbox new+run true+destroy" "$sb" "$(echo "$sb / $bare" | bc -l)"
printf '%-44s %9s\n' "  of which new / run / destroy" "$2 / $3 / $4"
printf 'sandbox vs unshare -m: %.2fx\n' "$(echo "$sb / $unsh" | bc -l)"
# The same as an ordinary user (user namespace, userxattr, skeletons for dirs with mounts).
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	u=$(mktemp -d /var/tmp/hs-bench-user.XXXXXX)
	chmod 755 "$u"
	unpriv() { setpriv --reuid=nobody --regid=nogroup --clear-groups env HS_STATE_DIR="$u/state" "$@"; }
	chown nobody "$u"
	if unpriv "$B/bench/sandbox_loop" 10 true >/dev/null 2>&1; then
		set -- $(unpriv "$B/bench/sandbox_loop" "$N" true)
		printf '%-44s %9.3f %9.1f\n' "same as user nobody (user namespace mode)" "$1" "$(echo "$1 / $bare" | bc -l)"
		printf '%-44s %9s\n' "  of which new / run / destroy" "$2 / $3 / $4"
	fi
	rm -rf "$u"
fi

if command -v hyperfine >/dev/null; then
	echo
	hyperfine -N -w 20 -r "$N" 'true' 'unshare -m true' "$B/hs sandbox -d -- true" 2>/dev/null |
		grep -E 'Benchmark|Time|faster'
fi
