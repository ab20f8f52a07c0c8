#!/bin/sh
# Parser speed: hs parse -n (streaming syntax check) and hs parse -q (whole tree in memory)
# against dash -n on the same files, measured side by side in this one run (best of 3).
# Inputs: the concatenation of every installed sh script that both accept (repeated to
# ~20 MB), and a generated 100 MB script. Prints times, MB/s and the ratio dash/hs (> 1: hs
# is faster). 2 cores here; the parser is single-threaded.
set -e
cd "$(dirname "$0")/.."
HS=${HS:-./build/hs}
[ -x "$HS" ] || make -s hs
tmp=$(mktemp -d /var/tmp/hs-bench-parser.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# Corpus: sh/dash/bash scripts both dash -n and hs accept (bash-only ones drop out).
find /usr/bin /usr/sbin /usr/lib /usr/share /etc -type f -size -4M -print0 2>/dev/null |
	xargs -0 -r awk 'FNR == 1 { if ($0 ~ /^#! *(\/usr)?\/bin\/(env +)?(sh|bash|dash)([ \t]|$)/) print FILENAME; nextfile }' \
		2>/dev/null >"$tmp/list" || true
: >"$tmp/one.sh"
nfiles=0
while IFS= read -r f; do
	dash -n "$f" >/dev/null 2>&1 || continue
	"$HS" parse -n "$f" >/dev/null 2>&1 || continue
	cat "$f" >>"$tmp/one.sh"
	printf '\n' >>"$tmp/one.sh"
	nfiles=$((nfiles + 1))
done <"$tmp/list"
cp "$tmp/one.sh" "$tmp/corpus.sh"
while [ "$(wc -c <"$tmp/corpus.sh")" -lt 20000000 ]; do
	cat "$tmp/one.sh" >>"$tmp/corpus.sh"
done
echo "corpus: $nfiles installed scripts, $(wc -c <"$tmp/one.sh") bytes, repeated to $(wc -c <"$tmp/corpus.sh") bytes"

# Generated: 100 MB of typical script text (pipelines, quoting, expansions, here-docs, loops).
cat >"$tmp/chunk" <<'CHUNK'
echo "$HOME" 'x' | tr a-z A-Z > /dev/null; x=$((x + 1))
if [ -n "$x" ]; then cat <<EOF
body $x $(date)
EOF
fi
for f in a b c; do case $f in a) echo "${f%.c}";; *) : ;; esac; done
CHUNK
cp "$tmp/chunk" "$tmp/piece"
while [ "$(wc -c <"$tmp/piece")" -lt 1000000 ]; do
	cat "$tmp/piece" "$tmp/piece" >"$tmp/g2" && mv "$tmp/g2" "$tmp/piece"
done
: >"$tmp/gen.sh"
while [ "$(wc -c <"$tmp/gen.sh")" -lt 100000000 ]; do
	cat "$tmp/piece" >>"$tmp/gen.sh"
done

now() { date +%s.%N; }
# best CMD...: best wall time of 3 runs, in seconds
best() {
	b=
	for _ in 1 2 3; do
		t0=$(now)
		"$@" >/dev/null 2>&1 || { echo "FAILED: $*" >&2; exit 1; }
		t1=$(now)
		b=$(echo "$t0 $t1 $b" | awk '{d = $2 - $1; if ($3 == "" || d < $3) print d; else print $3}')
	done
	echo "$b"
}

printf '%-12s %7s %9s %9s %9s %10s %10s\n' input MB "dash -n" "hs -n" "hs -q" "dash/hs-n" "dash/hs-q"
for name in corpus gen; do
	f=$tmp/$name.sh
	mb=$(wc -c <"$f" | awk '{printf "%.1f", $1 / 1e6}')
	d=$(best dash -n "$f")
	n=$(best "$HS" parse -n "$f")
	q=$(best "$HS" parse -q "$f")
	echo "$name $mb $d $n $q" | awk '{printf "%-12s %7s %8.2fs %8.2fs %8.2fs %9.2fx %9.2fx\n", $1, $2, $3, $4, $5, $3 / $4, $3 / $5;
		printf "%-12s %7s %6.0fMB/s %6.0fMB/s %6.0fMB/s\n", "  MB/s", "", $2 / $3, $2 / $4, $2 / $5}'
done
