#!/bin/sh
# Pins: while-read loops over a file (redirected into the loop) and over a pipeline, with
# external commands in the body writing per-line files and appending to one.
# setup: printf 'one 1\ntwo 2\nthree 3\n' > pairs
while read -r name num; do
	env echo "$num" > "n.$name"
	env echo "$name" >> names
done < pairs
cat names n.one n.three
sort pairs | while read -r a b; do env echo "$b:$a"; done
i=0
while [ $i -lt 3 ]; do i=$((i + 1)); env echo "iter $i" >> iters; done
cat iters
