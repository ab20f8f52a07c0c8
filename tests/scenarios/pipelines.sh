#!/bin/sh
# Pins: pipelines whose first or last element fails, exit status of pipelines, !, subshells
# with their own cd and variables, and { } groups redirected to files.
# setup: printf '3\n1\n2\n' > nums
cat missing | sort
echo "rc=$?"
sort nums | grep -q 9
echo "rc=$?"
! grep -q 1 nums
echo "rc=$?"
(cd /; env pwd)
env pwd
(x=inner; env echo "$x") > sub.out
echo "x=${x-unset}"
{ env echo a; sort -r nums; env echo b >&2; } > group.out 2> group.err
cat sub.out group.out group.err
sort nums | head -1 | tr 1 one
