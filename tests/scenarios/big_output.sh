#!/bin/sh
# Pins: large outputs (more than a pipe buffer) on stdout and stderr from speculated
# commands, in order, byte for byte.
seq 1 100000
seq 1 30000 | sed 's/^/err /' >&2
seq 100000 -1 1 | tr 0-9 a-j
env echo end
