#!/bin/sh
# Pins: write-after-read on one file: an earlier reader sees the old content although a later
# command (speculated, finishing first) overwrites the file.
# setup: printf 'one\ntwo\nthree\n' > f
# Re-runs: readers of f after the mv and rm re-run once per commit before them.
# expect-reruns: 0-10
sh -c 'sleep 0.3; cat f > copy'
sed 's/o/0/g' f > f.new
mv f.new f
cat copy f
sh -c 'sleep 0.1; wc -l < f > count'
rm f
cat count
ls
