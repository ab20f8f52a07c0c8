#!/bin/sh
# NLP-style per-file loop: the top words of each text file, then a merged top list.
# Each iteration is independent, so hs can run them ahead of the shell.
# Usage: wordfreq.sh DIR   (DIR holds *.txt; results go to DIR/out/)
set -e
dir=${1:-.}
mkdir -p "$dir/out"
for f in "$dir"/*.txt; do
	name=${f##*/}
	name=${name%.txt}
	tr -cs 'A-Za-z' '\n' <"$f" | tr 'A-Z' 'a-z' | sort | uniq -c | sort -rn | head -n 5 >"$dir/out/$name.top"
	read -r count word <"$dir/out/$name.top"
	echo "$name: $word ($count)"
done
cat "$dir"/out/*.top | awk '{n[$2] += $1} END {for (w in n) print n[w], w}' | sort -rn | head -n 3 >"$dir/out/all.top"
echo "overall:"
cat "$dir/out/all.top"
