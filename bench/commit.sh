#!/bin/sh
# Commit benchmark: hs's commit (engine/commit, crash-safe: journal + syncfs) against mv and
# cp -a of the same tree, measured side by side in one run. Same fs: rename. Across file
# systems: copy (upper on a tmpfs, target on /var/tmp). Needs root for the tmpfs; without it
# the cross-fs rows are skipped. Usage: sh bench/commit.sh [FILES] [MB]
set -eu
cd "$(dirname "$0")/.."
FILES=${1:-10000}
MB=${2:-1024}
BUILD=${HS_BUILD:-build}
DRV=$BUILD/bench/commit_apply

[ -f "$BUILD/libhs.a" ] || make --no-print-directory hs >/dev/null
mkdir -p "$BUILD/bench"
# shellcheck disable=SC2046
cc -std=gnu11 -D_GNU_SOURCE -O2 -I. -o "$DRV" bench/commit_apply.c "$BUILD/libhs.a" \
	$(pkg-config --libs libbsd-overlay mount libseccomp 2>/dev/null) -lpthread

W=$(mktemp -d /var/tmp/hs-bench-commit.XXXXXX)
T=$W/tmpfs
export HS_STATE_DIR=$W/state
cleanup() {
	umount "$T" 2>/dev/null || :
	rm -rf "$W"
}
trap cleanup EXIT
trap "exit 130" INT TERM HUP PIPE
mkdir -p "$T" "$HS_STATE_DIR"
CROSS=1
if [ "$(id -u)" -ne 0 ] || ! mount -t tmpfs -o size=$((MB * 2 + 512))m tmpfs "$T" 2>/dev/null; then
	CROSS=0
fi

now() { date +%s%N; }
# ms START END
ms() { echo "$1 $2" | awk '{printf "%.1f\n", ($2 - $1) / 1e6}'; }

# small DIR: FILES files of 1 KiB each in DIR.
small() {
	mkdir -p "$1"
	blk=$(head -c 768 /dev/urandom | base64 -w0)
	i=0
	while [ $i -lt "$FILES" ]; do
		printf '%s' "$blk" >"$1/f$i"
		i=$((i + 1))
	done
}
# Faster than a cp per file: one tar stream.
small_fast() {
	if [ ! -f "$W/small.tar" ]; then
		small "$W/proto"
		tar -C "$W/proto" -cf "$W/small.tar" .
		rm -rf "$W/proto"
	fi
	mkdir -p "$1"
	tar -C "$1" -xf "$W/small.tar"
}
big() {
	mkdir -p "$(dirname "$1")"
	dd if=/dev/zero of="$1" bs=1M count="$MB" status=none
}

# run NAME: fresh upper U and live L for case NAME, into $W/NAME.
setup() {
	rm -rf "$W/u" "$W/l" "$T/u"
	mkdir -p "$W/l"
	case $1 in
	newdir) small_fast "$W/u/new" ;;
	existing) small_fast "$W/u/d"; mkdir -p "$W/l/d" ;;
	xnewdir) small_fast "$T/u/new" ;;
	bigsame) big "$W/u/big" ;;
	bigx) big "$T/u/big" ;;
	esac
	sync
}

# time_cmd CMD...: run it, print ms.
time_cmd() {
	t0=$(now)
	"$@"
	t1=$(now)
	ms "$t0" "$t1"
}

row() { printf '%-36s %9s %9s %8s %12s %8s\n' "$@"; }
ratio() { echo "$1 $2" | awk '{ if ($2 > 0) printf "%.2fx", $1 / $2; else print "-" }'; }
add() { echo "$1 $2" | awk '{printf "%.1f", $1 + $2}'; }

# measure REPS CASE CMD...: median of REPS runs of CMD, each on a fresh setup of CASE; also
# leaves in $W/syncmed the median time of the sync that follows it (what mv/cp skip).
measure() {
	reps=$1 c=$2
	shift 2
	: >"$W/t" && : >"$W/s"
	n=0
	while [ $n -lt "$reps" ]; do
		setup "$c"
		time_cmd "$@" >>"$W/t"
		time_cmd sync >>"$W/s"
		n=$((n + 1))
	done
	sort -n "$W/s" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}' >"$W/syncmed"
	sort -n "$W/t" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}

mv_into() { (cd "$1" && find . -mindepth 1 -maxdepth 1 -print0 | xargs -0 mv -t "$2"); }

# case NAME REPS CASE HS_CMD -- REF_CMD
bench_case() {
	name=$1 reps=$2 c=$3
	shift 3
	hcmd=""
	while [ "$1" != -- ]; do hcmd="$hcmd '$1'"; shift; done
	shift
	h=$(eval measure "$reps" "$c" $hcmd)
	r=$(measure "$reps" "$c" "$@")
	rs=$(add "$r" "$(cat "$W/syncmed")")
	row "$name" "$h" "$r" "$(ratio "$h" "$r")" "$rs" "$(ratio "$h" "$rs")"
}

echo "commit benchmark: $FILES files of 1 KiB, one file of $MB MiB; $(nproc) cores; $(uname -r)"
echo "hs = engine/commit (plan, journal + fsync, syncfs, then rename or copy); ref = mv or cp -a"
echo "ratio = hs / ref (lower is better; 1.00x = as fast); median of 3 runs for the same-fs small files, 1 run otherwise"
row case "hs ms" "ref ms" ratio "ref+sync ms" ratio
row ---- ----- ------ ----- ----------- -----
bench_case "$FILES files, new dir, same fs" 3 newdir "$DRV" "$W/u" "$W/l" -- mv "$W/u/new" "$W/l/new"
bench_case "$FILES files, existing dir, same fs" 3 existing "$DRV" "$W/u" "$W/l" -- mv_into "$W/u/d" "$W/l/d"
if [ $CROSS = 1 ]; then
	bench_case "$FILES files, tmpfs -> ext4 (copy)" 1 xnewdir "$DRV" "$T/u" "$W/l" -- cp -a "$T/u/new" "$W/l/new"
fi
bench_case "$MB MiB file, same fs" 1 bigsame "$DRV" "$W/u" "$W/l" -- mv "$W/u/big" "$W/l/big"
if [ $CROSS = 1 ]; then
	bench_case "$MB MiB file, tmpfs -> ext4 (copy)" 1 bigx "$DRV" "$T/u" "$W/l" -- cp -a "$T/u/big" "$W/l/big"
else
	echo "(cross-fs rows skipped: needs root to mount a tmpfs)"
fi
