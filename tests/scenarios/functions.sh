#!/bin/sh
# Pins: shell functions that run external commands, with arguments, return statuses, local
# side effects (files, globals), and recursion.
count() { wc -l < "$1" | tr -d ' '; }
mk() { mkdir -p "$1" && env echo "$2" > "$1/file"; g="set by mk $1"; }
fail() { grep -q nothing-here "$1"; }
seq 5 > five
count five
mk d1 one
mk d2 two
env echo "$g"
cat d1/file d2/file
if fail five; then echo found; else echo "not found: $?"; fi
down() { [ "$1" -gt 0 ] || return 0; env echo "n=$1"; down $(($1 - 1)); }
down 3
