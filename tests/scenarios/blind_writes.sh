#!/bin/sh
# Pins: blind writes (> truncating, no read of the target) to the same files from commands
# finishing out of order need no re-run (commit in program order decides the winner), and
# the last writer in program order wins.
# expect-reruns: 0
sh -c 'sleep 0.2; echo slow-1' > f
sh -c 'echo fast-2' > f
sh -c 'sleep 0.1; echo slow-3' > g
sh -c 'echo fast-4' > g
sh -c 'sleep 0.1; echo only' > h
