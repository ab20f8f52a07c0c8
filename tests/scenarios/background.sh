#!/bin/sh
# Pins: background jobs and wait: their files and output, $! use, and a foreground command
# that reads a file a background job writes after wait.
sh -c 'sleep 0.1; echo bg > bgfile' &
pid=$!
env echo foreground
wait $pid
echo "wait rc=$?"
cat bgfile
(sleep 0.05; env echo sub > subfile) &
wait
cat subfile
