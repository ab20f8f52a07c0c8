#!/bin/sh
# Pins: x=$(cmd) assignments are applied to the shell: later commands see the value, also
# when the command substitution reads a file an earlier command wrote.
# setup: printf 'b\na\nc\n' > in
first=$(sort in | head -1)
env echo "first=$first"
sort in > sorted
last=$(tail -1 sorted)
count=$(wc -l < sorted)
env echo "last=$last count=$count"
status=$(grep -c zzz in; echo "rc=$?")
env echo "$status"
empty=$(true)
env echo "empty=[$empty]"
nested=$(echo "$(cat sorted | tr '\n' ,)")
env echo "$nested"
