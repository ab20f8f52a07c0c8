#!/bin/sh
# Parse + analyse + rewrite time per MB of script (hs preprocess) against dash -n (parse
# only) on the same file: the test scripts and a generated set, concatenated to ~SIZE_MB.
# Prints wall times (best of REPS) and the ratio. Single-threaded on both sides.
set -e
cd "$(dirname "$0")/.."
SIZE_MB=${SIZE_MB:-8}
REPS=${REPS:-5}
HS=${HS:-build/hs}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bash tests/gen_scripts.sh 99 200 "$tmp/gen"
cat tests/scripts/*.sh "$tmp"/gen/*.sh >"$tmp/unit.sh"
: >"$tmp/big.sh"
while [ "$(wc -c <"$tmp/big.sh")" -lt $((SIZE_MB * 1024 * 1024)) ]; do
	cat "$tmp/unit.sh" >>"$tmp/big.sh"
done
bytes=$(wc -c <"$tmp/big.sh")
dash -n "$tmp/big.sh"

# best CMD...: best CPU time (user+sys, robust on a busy machine) and best wall time of
# REPS runs, in seconds: "CPU WALL".
best() {
	bash -c 'TIMEFORMAT="%R %U %S"; for i in $(seq "$0"); do { time "$@" >/dev/null; } 2>&1; done' \
		"$REPS" "$@" | awk 'NR == 1 || $2 + $3 < c { c = $2 + $3 } NR == 1 || $1 < w { w = $1 }
			END { printf "%.3f %.3f\n", c, w }'
}

set -- $(best "$HS" preprocess --any-size "$tmp/big.sh"); c_hs=$1 w_hs=$2
set -- $(best "$HS" parse -n "$tmp/big.sh"); c_p=$1 w_p=$2
set -- $(best dash -n "$tmp/big.sh"); c_dash=$1 w_dash=$2
mb=$(echo "scale=3; $bytes / 1048576" | bc)
nodes=$("$HS" preprocess --any-size --explain "$tmp/big.sh" 2>&1 >/dev/null | grep -c ': node' || :)
printf 'script: %s MB (%s bytes), %s nodes wrapped; best of %s runs\n' "$mb" "$bytes" "$nodes" "$REPS"
printf '%-34s %9s %9s %9s\n' "" "CPU s" "CPU s/MB" "wall s"
row() { printf '%-34s %9s %9s %9s\n' "$1" "$2" "$(echo "scale=4; $2 / $mb" | bc)" "$3"; }
row "hs preprocess (parse+analyse+rewrite)" "$c_hs" "$w_hs"
row "hs parse -n (parse only)" "$c_p" "$w_p"
row "dash -n (parse only)" "$c_dash" "$w_dash"
printf 'ratio hs preprocess / dash -n (CPU): %s; hs parse -n / dash -n: %s\n' \
	"$(echo "scale=2; $c_hs / $c_dash" | bc)" "$(echo "scale=2; $c_p / $c_dash" | bc)"
echo "(single-threaded on both sides; this machine has 2 cores)"
