#!/bin/sh
# Pins: mkdir -p of nested paths and files created inside them, a later mkdir -p of an
# overlapping path, a copy into a sibling, and the final modes and listing.
mkdir -p a/b/c
env echo deep > a/b/c/f
mkdir -p a/b/d/e a/x
cp a/b/c/f a/b/d/e/g
mkdir -m 700 -p a/private/p
chmod 750 a/b
touch a/x/empty
ls -R a
find a -type f | sort
