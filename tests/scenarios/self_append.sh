#!/bin/sh
# Pins: a script that appends to its own file while running: dash reads the script file as
# it goes, so it runs the appended line too (hs must do the same).
env echo one
echo 'env echo appended' >> "$0"
env echo appended
