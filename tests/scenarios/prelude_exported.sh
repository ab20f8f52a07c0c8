#!/bin/sh
# Pins: a speculative run replays the plain assignments before its node in its block, but
# not those the shell has already run: PATH=/x:$PATH replayed (after the run's script
# had unset PATH, which the shell's report did not carry) left `env` not found, and the
# run was committed, since only the variables a node names were compared.
# An exported variable that a replayed assignment changes (EXTRA in the loop) is compared as
# the run saw it.
# expect-reruns: 0-2
PATH=/nonexistent/hs-test:$PATH
sleep 0.3
env | grep -c '^PATH=/nonexistent/hs-test:/' > n1
export GREETING=hello
GREETING="$GREETING world"
sleep 0.3
printenv GREETING > g
EXTRA=start
export EXTRA
for d in a b c; do
	EXTRA="$d:$EXTRA"
	sleep 0.1
	printenv EXTRA > "e-$d"
done
cat n1 g e-a e-b e-c
