#!/bin/sh
# Per-year loop: unpack the year's archive, then run 3 analyses on it.
# ideal: lanes [0-9][0-9][0-9][0-9]
mkdir -p work out
for a in archives/*.tar.gz; do
	y=${a#archives/}
	y=${y%.tar.gz}
	tar -xzf "$a" -C work
	cut -d, -f3 work/$y/*.csv | sort -n | tail -1 > out/$y.max-temp
	awk -F, '{s += $4; n++} END {printf "%.3f\n", s / n}' work/$y/*.csv > out/$y.mean-wind
	cat work/$y/*.csv | awk -F, '$5 == "storm" {print $1}' | sort | uniq -c | sort -rn | head -5 > out/$y.storm-days
done
cat out/*.max-temp | sort -n | tail -1
