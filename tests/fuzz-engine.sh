#!/bin/bash
# fuzz-engine.sh: random scripts (tests/gen-script.sh) through the differential runner.
# usage: tests/fuzz-engine.sh [--seed S] [--count N] [--jobs J] [--windows 'default 1 64']
#                             [--save DIR] [-v]
# Script i uses seed S+i and, in turn, each window of --windows (default: default, 1, 64).
# A mismatch is printed with its report and the script is saved as DIR/seed-N.sh (default
# DIR: /var/tmp/hs-fuzz), ready to become a scenario (tests/scenarios/). Exit 1 on any
# mismatch. Environment: HS (hs binary), as for tests/difftest.
set -u
here=$(cd "$(dirname "$0")" && pwd)
seed=1 count=100 jobs=2 windows="default 1 64" save=/var/tmp/hs-fuzz verbose=0
while [ $# -gt 0 ]; do
	case $1 in
	--seed) seed=$2; shift 2 ;;
	--count) count=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--windows) windows=$2; shift 2 ;;
	--save) save=$2; shift 2 ;;
	-v) verbose=1; shift ;;
	*) echo "usage: fuzz-engine.sh [--seed S] [--count N] [--jobs J] [--windows W] [--save DIR] [-v]" >&2; exit 2 ;;
	esac
done
mkdir -p "$save" /var/tmp/hs-tests
work=$(mktemp -d /var/tmp/hs-tests/fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
read -r -a wins <<<"$windows"

one() { # one INDEX: generate, run, leave verdict in $work/INDEX.{rc,out}
	local i=$1 s w opts=
	s=$((seed + i))
	w=${wins[$((i % ${#wins[@]}))]}
	[ "$w" = default ] || opts="--window $w"
	"$here/gen-script.sh" "$s" >"$work/seed-$s.sh"
	DIFFTEST_TMP=$work "$here/difftest" -q --timeout 30 --hs-opts "$opts" "$work/seed-$s.sh" \
		>"$work/$i.out" 2>&1
	echo $? >"$work/$i.rc"
}
export -f one
export seed work here windows
export wins_str=$windows
# bash cannot export arrays: rebuild inside.
seq 0 $((count - 1)) | xargs -P "$jobs" -I{} bash -c 'read -r -a wins <<<"$wins_str"; one {}'

bad=0
for ((i = 0; i < count; i++)); do
	s=$((seed + i))
	if [ "$(cat "$work/$i.rc" 2>/dev/null)" != 0 ]; then
		bad=$((bad + 1))
		cp "$work/seed-$s.sh" "$save/seed-$s.sh"
		echo "MISMATCH seed $s (saved $save/seed-$s.sh):"
		sed 's/^/  /' "$work/$i.out"
	elif [ "$verbose" = 1 ]; then
		cat "$work/$i.out"
	fi
done
echo "fuzz-engine: $count scripts from seed $seed, windows '$windows': $bad mismatches"
[ "$bad" -eq 0 ]
