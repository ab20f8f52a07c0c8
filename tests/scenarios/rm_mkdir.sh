#!/bin/sh
# Pins: `rm -r d; mkdir d` and files put in the fresh d: no old entry survives.
# setup: mkdir -p d/sub; echo old > d/a; echo old > d/sub/b
rm -r d
mkdir d
ls -a d
env echo new > d/a
mkdir d/other
find d | sort
cat d/a
rm -rf d
mkdir d
env echo again > d/c
ls d
