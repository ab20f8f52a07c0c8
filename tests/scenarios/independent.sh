#!/bin/sh
# Pins: fully independent commands (each reads its own input, writes its own output) give
# the same files and stdout as sh, and none of them is ever re-run.
# setup: for i in 1 2 3 4 5 6; do seq 1 2000 | sed "s/^/w$i /" > in$i.txt; done
# expect-reruns: 0
tr a-z A-Z < in1.txt > out1.txt
sort -r in2.txt > out2.txt
grep -c 7 in3.txt > out3.txt
sed 's/w/W/' in4.txt > out4.txt
wc -l in5.txt
cut -d' ' -f2 in6.txt | sort -n | tail -3
md5sum in1.txt in2.txt > sums.txt
