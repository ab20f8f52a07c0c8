#!/bin/sh
# Pins: a run stacked on a run that is then thrown away (it read `seed`, which the shell
# changes before reaching it) is thrown away too: the files are the same as under sh.
# setup: echo 0 > seed
# expect-stacked: 1-5
for i in 1 2 3 4 5; do
	sh -c 'sleep 0.2; cat seed' > f$i
	echo $i >> seed
	sh -c 'sleep 0.2; cat "$1"' sh f$i > g$i
done
cat g*
