#!/bin/sh
# Pins: a command that stats a file an earlier command creates (absent -> present), and one
# that stats a file an earlier command removes (present -> absent).
# setup: echo here > gone
sh -c 'sleep 0.2; echo x > flag'
ls -l flag | cut -c1-10
stat -c '%n %s' flag
sh -c 'sleep 0.1; rm gone'
ls gone
echo "ls: $?"
/usr/bin/test -e gone; echo "test: $?"
/usr/bin/test -e flag; echo "test flag: $?"
