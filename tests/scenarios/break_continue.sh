#!/bin/sh
# Pins: break and continue in the middle of loops: iterations after a break must leave no
# files and no output; a skipped iteration's later commands must not run.
for i in 1 2 3 4 5 6; do
	if [ "$i" = 2 ]; then continue; fi
	env echo "$i" > "f$i"
	if [ -f stop ]; then break; fi
	[ "$i" = 4 ] && touch stop
	env echo "done $i"
done
ls
for i in a b c; do
	for j in 1 2 3; do
		[ "$j" = 2 ] && continue 2
		env echo "$i$j" >> pairs
	done
done
cat pairs
