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

# best CMD...: best wall time of REPS runs, in seconds.
best() {
	b=
	i=0
	while [ $i -lt "$REPS" ]; do
		s=$(date +%s.%N)
		"$@" >/dev/null
		e=$(date +%s.%N)
		t=$(echo "$e - $s" | bc)
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi
		i=$((i + 1))
	done
	echo "$b"
}

t_hs=$(best "$HS" preprocess --any-size "$tmp/big.sh")
t_dash=$(best dash -n "$tmp/big.sh")
mb=$(echo "scale=3; $bytes / 1048576" | bc)
nodes=$("$HS" preprocess --any-size --explain "$tmp/big.sh" 2>&1 >/dev/null | grep -c ': node' || :)
printf 'script: %s MB (%s bytes), %s nodes wrapped\n' "$mb" "$bytes" "$nodes"
printf '%-32s %8s s  %8s s/MB\n' "hs preprocess (parse+rewrite)" "$t_hs" \
	"$(echo "scale=4; $t_hs / $mb" | bc)"
printf '%-32s %8s s  %8s s/MB\n' "dash -n (parse only)" "$t_dash" \
	"$(echo "scale=4; $t_dash / $mb" | bc)"
printf 'ratio hs/dash: %s (best of %s, 1 core each; this machine has 2 cores)\n' \
	"$(echo "scale=2; $t_hs / $t_dash" | bc)" "$REPS"
