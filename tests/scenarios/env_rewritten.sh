#!/bin/sh
# Pins: in a script hs rewrites (no bare `set`), commands still see no trace of hs: no extra
# environment variables, exported variables or open fds, and the shell's functions are the
# script's own.
# setup: true
f() { env | sort; }
f
export -p
ls /proc/self/fd | sort -n | tr '\n' ' '
echo
sh -c 'ls /proc/self/fd | sort -n | tr "\n" " "'
echo
type f | head -n 1
