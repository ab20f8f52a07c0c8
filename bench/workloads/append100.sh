#!/bin/sh
# 100 small commands appending to one file (each depends on the one before: appends are ordered).
# ideal: chain
for i in $(seq 1 100); do
	head -c $((i * 100)) data | cksum >> sums.txt
done
wc -l < sums.txt
