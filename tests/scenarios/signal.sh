#!/bin/sh
# Pins: a command killed by a signal: the status (128+n), the shell's "Killed"/"Terminated"
# message, and that files it wrote before dying are kept.
sh -c 'echo partial > p; kill -9 $$'
echo "rc=$?"
sh -c 'kill -TERM $$'
echo "rc=$?"
env echo after > a
sh -c 'echo x > q; kill -INT $$; echo not-here > r'
echo "rc=$?"
cat p q
sh -c 'kill -USR1 $$'
echo "rc=$?"
