#!/bin/sh
# Pins: set -v prints the script's lines as the shell reads them (the original text, not a
# rewritten one), interleaved with the commands' output.
# output: merged
set -v
env echo one
x=$(env echo two)
for i in 1 2; do
	env echo "$x $i"
done
set +v
env echo end
