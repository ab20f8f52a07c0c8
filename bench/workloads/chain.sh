#!/bin/sh
# A fully dependent chain: every command reads the previous command's output (>= 50 ms each).
# ideal: chain
sort -n s0 > s1
awk '{print $2, $1 + 1}' s1 > s2
sort -n s2 > s3
sed 's/ /,/' s3 > s4
cut -d, -f2 s4 > s5
sort -n -r s5 > s6
awk '{print $1 % 1000, $1}' s6 > s7
sort -k1,1n -k2,2n s7 > s8
uniq -c -w 4 s8 > s9
tr -s ' ' < s9 > s10
sort -r s10 > s11
awk '{s += $1} END {print s}' s11 > s12
cat s12
