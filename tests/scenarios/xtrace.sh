#!/bin/sh
# Pins: set -x traces exactly the script's own commands (no runtime wrapper shows), with
# assignments, command substitutions, loops and redirections, in order with stdout.
# output: merged
# setup: printf 'b\na\n' > in
set -x
sort in > out
x=$(head -n 1 out)
env echo "$x"
for f in in out; do wc -l < "$f"; done
if grep -q a in; then env echo yes; fi
set +x
env echo quiet
