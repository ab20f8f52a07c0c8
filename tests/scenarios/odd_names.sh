#!/bin/sh
# Pins: files with spaces, leading dashes, globs characters and non-ASCII in their names,
# created, renamed and listed by commands.
env echo a > "with space"
env echo b > ./-dash
env echo c > 'star*'
env echo d > 'été'
mv "with space" "now  two spaces"
cp -- -dash "copy of -dash"
ls
for f in *; do env printf '<%s>\n' "$f"; done
rm -- -dash 'star*'
ls -1
