#!/bin/sh
# Pins: a run stacked on one that replaced a directory (rm -r d; mkdir d) lists only the new
# entries, as after its commit.
# setup: mkdir -p d; touch d/old1 d/old2
# expect-stacked: 1-4
for i in 1 2 3 4; do
	sh -c 'sleep 0.2; rm -r d; mkdir d; echo x > d/new'"$i" > made$i
	sh -c 'sleep 0.4; ls d' made$i > list$i
done
cat list*
ls d
