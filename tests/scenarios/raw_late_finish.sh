#!/bin/sh
# Pins: read-after-write chains where the later command would finish first: each reader
# must see what its writer wrote (a speculated reader that ran early must be re-run).
# setup: echo old > a; echo old > c
# Re-runs: 4 readers, each invalidated once per upstream commit, running or done.
# expect-reruns: 0-8
sh -c 'sleep 0.3; echo new-a > a'
cat a > b
sh -c 'sleep 0.2; tr a-z A-Z < b > c'
cat c
wc -c a b c
