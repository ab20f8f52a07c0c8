#!/bin/sh
# Pins: set -e with a failing command: the script stops there with its status; commands in
# conditions and && lists do not stop it; later commands leave no trace.
set -e
env echo one > a
if grep -q nothing a; then echo no; fi
grep -q nothing a || env echo or-ok
false && echo never
env echo two >> a
cat a
grep nothing a > b
env echo three >> a
touch c
