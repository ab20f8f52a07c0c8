#!/bin/sh
# Pins: a for loop over a glob (the per-file loop): every iteration's output file, stdout in
# iteration order, and files the loop itself creates not matching the glob taken at start.
# setup: for i in 1 2 3 4 5 6 7 8; do seq $i 9 > f$i.txt; done
# expect-reruns: 0
for f in *.txt; do
	sort -r "$f" | tr '\n' ' ' > "$f.rev"
	env echo "$f: $(wc -l < "$f")"
done
for f in *.rev; do cat "$f"; echo; done
for f in *.nomatch; do env echo "literal: $f"; done
