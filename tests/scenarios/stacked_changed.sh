#!/bin/sh
# Pins: what the shell writes itself right after a run's commit (a builtin, same size, in the
# same tick of the file clock where the file system has coarse times) is what a run stacked
# on that run must see: the stacked run's read is stale and the shell runs it again.
# expect-stacked: 1-6
for i in 1 2 3 4 5 6; do
	sh -c 'sleep 0.2; echo a' > f$i
	echo b > f$i
	sh -c 'sleep 0.2; cat "$1"' sh f$i > g$i
done
cat g*
