#!/bin/sh
# A fully dependent chain: every command reads the previous command's output (>= 50 ms each).
# ideal: chain
sort -n s0 > s1
awk '{print $2, $1 + 1}' s1 > s2
sort -n s2 > s3
sed 's/ /,/' s3 > s4
awk -F, '{print $2 "," $1}' s4 > s5
sort -t, -k1,1n s5 > s6
awk -F, '{print $1 % 1000, $2}' s6 > s7
sort -k1,1n -k2,2n s7 > s8
sed 's/ /:/' s8 > s9
awk -F: '{s += $2; n[$1]++} END {print s, length(n)}' s9
