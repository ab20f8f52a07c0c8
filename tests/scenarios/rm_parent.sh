#!/bin/sh
# Pins: a write into a directory an earlier node removes. The later node, run ahead while
# the directory still exists, writes into it; once `rm -rf D` is committed its write must not
# recreate D (dash: "Directory nonexistent"). Found by make fuzz-engine (seed 1084).
# setup: mkdir -p D/sub; echo fig > D/x; printf 'plum\n' > a
sleep 0.2
rm -rf D
sed 's/plum/X/' a > D/x
sort a > D/sub/y
env echo after > D/z
ls
cat D/x 2>&1
