#!/bin/sh
# make demo: generate inputs, run examples/wordfreq.sh under dash and under hs in two fresh
# directories, show hs's result, and check that both runs left the same files and output.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /var/tmp/hs-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$top/examples/gen-text.sh" "$work/sh" 8 500000
cp -a "$work/sh" "$work/hs"

t0=$(date +%s.%N)
dash "$top/examples/wordfreq.sh" "$work/sh" >"$work/sh.out" 2>&1
t1=$(date +%s.%N)
"$top/hs" "$top/examples/wordfreq.sh" "$work/hs" >"$work/hs.out" 2>&1
t2=$(date +%s.%N)

echo "--- hs examples/wordfreq.sh (8 files of 500,000 words) ---"
cat "$work/hs.out"
echo "---"
awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "dash: %.2f s   hs: %.2f s   speedup: %.2fx (2 cores here: at most 2x)\n", b - a, c - b, (b - a) / (c - b) }'
if cmp -s "$work/sh.out" "$work/hs.out" && diff -r "$work/sh" "$work/hs" >/dev/null; then
	echo "same output and same files as dash: yes"
else
	echo "same output and same files as dash: NO" >&2
	exit 1
fi
