#!/bin/sh
# Pins: stdin read by a later command (must not be speculated: a speculative run sees an
# empty stdin): the read builtin, then an external command, then the rest of stdin.
# stdin: first line
# stdin: second line
# stdin: third line
# stdin: fourth line
tr a-z A-Z < /dev/null > empty
sort -r "$0" | head -1 > /dev/null
read -r first
env echo "got: $first"
read -r second
env echo "$second" > second.txt
cat second.txt
env echo "middle"
cat > rest.txt
wc -l < rest.txt
cat rest.txt
