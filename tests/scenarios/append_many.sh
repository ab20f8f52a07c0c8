#!/bin/sh
# Pins: appends (>>) from many commands to one file land in program order, although later
# ones finish first.
# setup: echo start > log
# expect-reruns: 0-12
sh -c 'sleep 0.20; echo 1' >> log
sh -c 'sleep 0.15; echo 2' >> log
sh -c 'sleep 0.10; echo 3' >> log
sh -c 'sleep 0.05; echo 4' >> log
env echo 5 >> log
sh -c 'echo 6; echo err6 >&2' >> log 2>&1
for i in 7 8 9 10; do sh -c "echo $i" >> log; done
cat log
wc -l < log
