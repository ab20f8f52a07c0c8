#!/bin/sh
# Pins: commands that try the network must run for real (never in a sandbox without network):
# a client talking to a live server on 127.0.0.1, a connect to a closed port, and a lookup
# of a host name that does not exist.
p=$HS_HELPERS/netprobe
"$p" serve port 2 > served &
srv=$!
"$p" connect port
env echo between
"$p" connect port > second
wait $srv
echo "server rc=$?"
cat served second
bash -c 'echo hi > /dev/tcp/127.0.0.1/1' 2>&1 | sed 's/^.*: //' | sort -u
bash -c 'exec 3<>/dev/tcp/no-such-host.invalid/80' 2> dns.err
echo "dns rc=$?"
rm port
