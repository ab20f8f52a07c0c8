#!/bin/sh
# Pins: stdout and stderr of the script going to ONE file: the interleaving of both streams
# within and across 20 speculated commands is kept byte for byte.
# output: merged
# Re-runs: cat both reads what the node before it writes (a true dependency), and a read of
# a file changed within two clock ticks before the run started counts as stale.
# expect-reruns: 0-2
sh -c 'sleep 0.095; echo 1'
sh -c 'sleep 0.090; echo 2'
sh -c 'sleep 0.085; echo 3; echo e3 >&2'
sh -c 'sleep 0.080; echo 4'
sh -c 'sleep 0.075; echo 5'
sh -c 'sleep 0.070; echo 6'
sh -c 'sleep 0.065; echo 7; echo e7 >&2'
sh -c 'sleep 0.060; echo 8'
sh -c 'sleep 0.055; echo 9'
sh -c 'sleep 0.050; echo 10'
sh -c 'sleep 0.045; echo 11'
sh -c 'sleep 0.040; echo 12'
sh -c 'sleep 0.035; echo 13; echo e13 >&2'
sh -c 'sleep 0.030; echo 14'
sh -c 'sleep 0.025; echo 15'
sh -c 'sleep 0.020; echo 16'
sh -c 'sleep 0.015; echo 17'
sh -c 'sleep 0.010; echo 18'
sh -c 'sleep 0.005; echo 19'
sh -c 'echo 20; echo e20 >&2'
sh -c 'echo a; echo b >&2; echo c; echo d >&2' > both 2>&1
cat both
