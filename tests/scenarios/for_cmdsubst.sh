#!/bin/sh
# Pins: for loops over $(cmd): the word list is taken once, before the body changes the
# listed file; loop variable after the loop.
# setup: printf 'apple\nbanana\ncherry\n' > list
for w in $(cat list); do
	env echo "$w" | tr a-z A-Z > "$w.up"
	env echo "$w" >> list
done
cat list
cat *.up
env echo "last=$w"
for n in $(seq 3); do sh -c "sleep 0.0$((4 - n)); echo n$n"; done
