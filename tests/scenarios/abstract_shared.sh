#!/bin/sh
# Pins: speculative runs share one network namespace (root mode), where an abstract AF_UNIX
# name bound by one run is in use for all the others. Three commands that each hold the same
# name find it free one after the other under sh; run side by side, the second and third
# would find it busy. The tracer flags such a bind, so the shell runs them. (The name holds
# the work dir: difftests running side by side must not meet in the host's namespace.)
# expect-reruns: 2-3
PATH=$HS_HELPERS:$PATH
sleep 0.3
netprobe hold "hs-test$PWD" 300 > a
netprobe hold "hs-test$PWD" 300 > b
netprobe hold "hs-test$PWD" 300 > c
cat a b c
