#!/bin/sh
# Pins: cd between commands: relative paths of later commands resolve in the new directory;
# cd into a directory an earlier command creates; a failing cd; $PWD and $OLDPWD.
# setup: mkdir -p sub/inner; echo in-sub > sub/f
cd sub
cat f
mkdir made
cd made
env echo here > g
pwd
cd ../inner && env echo inner > h
cd ..
ls -R
cd no-such-dir
echo "cd rc=$?"
cd -
cd "$OLDPWD"
env pwd
cat made/g
