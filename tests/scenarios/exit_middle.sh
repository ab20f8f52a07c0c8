#!/bin/sh
# Pins: exit in the middle of the script: nothing after it runs (no files, no output), and
# the exit status is the given one.
env echo before > a
sh -c 'sleep 0.1; echo slow > b'
if [ -f b ]; then
	env echo exiting
	exit 7
fi
env echo after > c
sh -c 'echo never' > d
