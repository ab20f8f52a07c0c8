#!/bin/sh
# Pins: directories renamed and replaced while later commands read through the old and new
# names; a directory moved into another; rmdir.
# setup: mkdir -p a/b; echo x > a/b/f; mkdir other
mv a renamed
cat renamed/b/f
cat a/b/f
mv renamed/b other/
ls -R other renamed
mkdir a
mv other a/
find a | sort
rmdir renamed
ls
