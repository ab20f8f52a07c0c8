#!/bin/sh
# Per-node overhead: 1,000 tiny external commands (compare dash with hs --window 0).
# ideal: chain
i=0
while [ $i -lt 1000 ]; do
	/bin/true
	i=$((i + 1))
done
