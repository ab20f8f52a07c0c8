#!/bin/sh
# Pins: what the script can see of its own shell: environment of children, exported and
# shell variables, set options and functions: no trace of hs (no extra variables, functions
# or fds).
# setup: true
f() { :; }
env | sort
export -p
set | grep -v -e '^PPID=' -e '^_=' | sort
echo "opts=$-"
ls /proc/self/fd | sort -n | tr '\n' ' '
echo
type f
