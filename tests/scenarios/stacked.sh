#!/bin/sh
# Pins: commands that read what the finished, not yet committed run of an earlier command
# wrote (each iteration sorts its input into work/, then two slower commands read that) run
# on top of that run's changes instead of waiting for its commit (the log's "stacked_on"),
# and the files and output are the same as under sh.
# setup: mkdir src; for y in 1 2 3 4 5; do seq $y 50000 | sort > src/$y.txt; done
# expect-stacked: 2-12
mkdir -p work out
for y in 1 2 3 4 5; do
	sort -n src/$y.txt > work/$y.sorted
	sh -c 'sleep 0.2; tail -1 "$1"' sh work/$y.sorted > out/$y.max
	sh -c 'sleep 0.2; cksum < "$1"' sh work/$y.sorted > out/$y.sum
done
cat out/*
