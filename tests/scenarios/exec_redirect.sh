#!/bin/sh
# Pins: exec redirections change the shell's own fds mid-script: later commands' output must
# follow them (into the file, back to stdout via a saved fd), and a final exec replaces the
# shell.
env echo to-stdout
exec 3>&1
exec > captured
env echo to-file-1
sort -r /dev/null
seq 3
exec 1>&3 3>&-
env echo back
exec 2> errors
ls no-such-file
exec 2>&1
cat captured errors
exec env echo replaced
env echo never
