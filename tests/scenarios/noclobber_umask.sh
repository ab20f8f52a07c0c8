#!/bin/sh
# Pins: shell options and umask as state of later commands: set -C (noclobber) refuses to
# overwrite, umask applies to files created by commands, set -f disables globs.
# setup: echo old > exists
set -C
env echo new > exists
echo "rc=$?"
env echo fresh > fresh
set +C
umask 027
env echo masked > masked
mkdir mdir
umask 022
set -f
env echo *
set +f
env echo e*
cat exists
