#!/bin/sh
# Pins: write-after-write on one file: the last writer in program order wins, even when it
# finishes first; also an earlier, slower writer's side file still lands.
# setup: echo original > f
# Re-runs: the readers of f (cat) re-run after each earlier write to f commits.
# expect-reruns: 0-6
sh -c 'sleep 0.2; echo first > f; echo side > side1'
sh -c 'echo second > f'
cat f
sh -c 'sleep 0.1; echo third >> f'
env printf 'fourth\n' > f
cat f side1
