#!/bin/sh
# Pins: read-after-write chains where the later command would finish first: each reader
# must see what its writer wrote (a speculated reader that ran early must be re-run).
# setup: echo old > a; echo old > c
# expect-reruns: 0-3
sh -c 'sleep 0.3; echo new-a > a'
cat a > b
sh -c 'sleep 0.2; tr a-z A-Z < b > c'
cat c
wc -c a b c
