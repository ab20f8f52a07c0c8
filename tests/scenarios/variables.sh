#!/bin/sh
# Pins: variables set between commands: each command sees the value at its point in the
# script, including unset and reassigned ones, and arithmetic.
x=one
env echo "$x" > f
x=two
env echo "$x" >> f
unset x
env echo "x=${x-unset}" >> f
n=0
n=$((n + 5))
y="a  b   c"
env echo $y "$y" >> f
cat f
env echo "$n"
